import './styles.css'

import { render } from 'preact'

import { App } from './app.js'
import { startLiveNotifications } from './live.js'
import { restoreSession } from './session.js'

const root = document.getElementById('app') as HTMLElement

await restoreSession()
startLiveNotifications()
render(<App />, root)
