import { isRouted, openApiPath, type ServiceDefinition } from './services.js'

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/**
 * The API reference nginx serves at /api/docs: a link to each service's OpenAPI document and a
 * table of its operations, rendered in the browser from those documents. Self-contained (no CDN):
 * the stack must work without network access.
 */
export function renderDocsPage(services: readonly ServiceDefinition[]): string {
  const documents = services
    .filter(isRouted)
    .map((service) => ({ name: service.name, url: openApiPath(service) as string }))
  const links = documents
    .map(
      (document) =>
        `      <li><a href="${escapeHtml(document.url)}">${escapeHtml(document.name)}</a> <code>${escapeHtml(document.url)}</code></li>`,
    )
    .join('\n')
  // JSON inside <script> must not be able to close the element.
  const data = JSON.stringify(documents).replaceAll('<', '\\u003c')

  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Chatty API reference</title>
    <style>
      body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1d232a; }
      h1 { margin-bottom: 0.25rem; }
      table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 2rem; }
      th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #dde1e6; vertical-align: top; }
      code { font: 13px ui-monospace, monospace; }
      .method { font: bold 12px ui-monospace, monospace; text-transform: uppercase; }
      .error { color: #a4161a; }
    </style>
  </head>
  <body>
    <h1>Chatty API reference</h1>
    <p>Generated from the service registry (infra/stack/src/services.ts). Each service publishes its OpenAPI 3.1 document:</p>
    <ul>
${links}
    </ul>
    <div id="services"></div>
    <script type="application/json" id="documents">${data}</script>
    <script>
      const documents = JSON.parse(document.getElementById('documents').textContent)
      const root = document.getElementById('services')
      const element = (tag, text, className) => {
        const node = document.createElement(tag)
        if (text !== undefined) node.textContent = text
        if (className) node.className = className
        return node
      }
      for (const { name, url } of documents) {
        const section = element('section')
        section.append(element('h2', name))
        root.append(section)
        fetch(url)
          .then((response) => {
            if (!response.ok) throw new Error(url + ' answered ' + response.status)
            return response.json()
          })
          .then((spec) => {
            section.append(element('p', (spec.info && spec.info.title ? spec.info.title + ' ' : '') + (spec.info && spec.info.version ? 'v' + spec.info.version : '')))
            const table = element('table')
            const head = element('tr')
            for (const label of ['Method', 'Path', 'Summary']) head.append(element('th', label))
            table.append(head)
            for (const [path, operations] of Object.entries(spec.paths || {})) {
              for (const [method, operation] of Object.entries(operations)) {
                if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue
                const row = element('tr')
                row.append(element('td', method, 'method'))
                const pathCell = element('td')
                pathCell.append(element('code', path))
                row.append(pathCell)
                row.append(element('td', operation.summary || operation.description || ''))
                table.append(row)
              }
            }
            section.append(table)
          })
          .catch((error) => section.append(element('p', String(error.message || error), 'error')))
      }
    </script>
  </body>
</html>
`
}
