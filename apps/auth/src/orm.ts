import { messagingEntities } from '@chatty/db'
import { UserCounter } from '@chatty/db'

import { AuthoredPost } from './entities/authored-post.entity.js'
import { EmailVerification } from './entities/email-verification.entity.js'
import { FollowState } from './entities/follow-state.entity.js'
import { PasswordReset } from './entities/password-reset.entity.js'
import { RefreshToken } from './entities/refresh-token.entity.js'
import { Session } from './entities/session.entity.js'
import { SigningKey } from './entities/signing-key.entity.js'
import { User } from './entities/user.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [
  User,
  UserCounter,
  Session,
  RefreshToken,
  EmailVerification,
  PasswordReset,
  SigningKey,
  FollowState,
  AuthoredPost,
  ...messagingEntities,
]

export { migrations }
