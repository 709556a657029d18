import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

import { isRouted, type ServiceDefinition, upstreamVariable } from './services.js'

/** Placeholders of the template that do not depend on the list of services. */
export const GATEWAY_VARIABLES = [
  'GATEWAY_LISTEN',
  'GATEWAY_RATE_LIMIT',
  'GATEWAY_RATE_BURST',
  'GATEWAY_MAX_BODY_SIZE',
  'GATEWAY_DOCS_ROOT',
  'GATEWAY_ACCESS_LOG',
] as const

export const TEMPLATE_PATH = 'nginx/chatty.conf.template'
export const DOCS_DIR = 'nginx/docs'

export interface GatewaySettings {
  host: string
  port: number
  /** Requests per second per client IP. */
  rateLimit: number
  burst: number
  /** An nginx size such as 1m. */
  maxBodySize: string
  docsRoot: string
  /** An nginx access_log destination: /dev/stdout in docker, syslog to the runner locally. */
  accessLog: string
}

interface Problem {
  status: number
  code: string
  title: string
  detail?: string
}

/** What nginx answers itself; everything else comes from the services. */
const GATEWAY_PROBLEMS: readonly (Problem & { location: string })[] = [
  {
    location: '@malformed_request',
    status: 400,
    code: 'malformed-request',
    title: 'Bad Request',
  },
  { location: '@not_found', status: 404, code: 'not-found', title: 'Not Found' },
  {
    location: '@payload_too_large',
    status: 413,
    code: 'payload-too-large',
    title: 'Payload Too Large',
    detail: 'The request body is larger than the gateway accepts.',
  },
  {
    location: '@rate_limited',
    status: 429,
    code: 'rate-limited',
    title: 'Too Many Requests',
    detail: 'Too many requests from this address. Retry after the time in Retry-After.',
  },
  {
    location: '@bad_gateway',
    status: 502,
    code: 'unavailable',
    title: 'Bad Gateway',
    detail: 'The service behind the gateway is not answering.',
  },
  {
    location: '@unavailable',
    status: 503,
    code: 'unavailable',
    title: 'Service Unavailable',
    detail: 'The service is temporarily unavailable.',
  },
  {
    location: '@gateway_timeout',
    status: 504,
    code: 'unavailable',
    title: 'Gateway Timeout',
    detail: 'The service behind the gateway did not answer in time.',
  },
]

export function problemBody(problem: Problem): string {
  return JSON.stringify({
    type: `/problems/${problem.code}`,
    code: problem.code,
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
  })
}

function upstreamName(service: ServiceDefinition): string {
  return `chatty_${service.name.replaceAll('-', '_')}`
}

/** Every ${NAME} placeholder the template for these services uses. */
export function templateVariables(services: readonly ServiceDefinition[]): string[] {
  return [...GATEWAY_VARIABLES, ...services.filter(isRouted).map(upstreamVariable)]
}

/**
 * The gateway configuration for the official nginx image's /etc/nginx/templates mechanism (it is
 * included inside `http {}`) and for the local runner. Placeholders are `${NAME}`; nginx's own
 * variables are written without braces and in lower case, so envsubst never touches them.
 */
export function generateNginxTemplate(services: readonly ServiceDefinition[]): string {
  const routed = services.filter(isRouted)
  const upstreams = routed.map(
    (service) => `upstream ${upstreamName(service)} {
    server \${${upstreamVariable(service)}};
    keepalive 32;
}
`,
  )
  const locations = routed.flatMap((service) =>
    service.prefixes.flatMap((prefix) => [
      `    location = ${prefix} {\n        proxy_pass http://${upstreamName(service)};\n    }\n`,
      `    location ${prefix}/ {\n        proxy_pass http://${upstreamName(service)};\n    }\n`,
    ]),
  )
  const errorPages = GATEWAY_PROBLEMS.map(
    (problem) => `    error_page ${problem.status} ${problem.location};\n`,
  )
  const problemLocations = GATEWAY_PROBLEMS.map(
    (problem) => `    location ${problem.location} {
        types { }
        default_type application/problem+json;
        return ${problem.status} '${problemBody(problem)}';
    }
`,
  )

  return `# Generated from infra/stack/src/services.ts by \`npm run generate -w @chatty/stack\`: do not edit.
# The upper-case placeholders are filled by envsubst in the official nginx image (mounted under
# /etc/nginx/templates) and by the local stack runner (infra/stack). This file lives inside http {}.

${upstreams.join('\n')}
limit_req_zone $binary_remote_addr zone=chatty_per_ip:10m rate=\${GATEWAY_RATE_LIMIT}r/s;

# A client's request id is kept when it looks like one; otherwise nginx makes one up.
map $http_x_request_id $chatty_request_id {
    default $request_id;
    "~^[A-Za-z0-9_.:-]{1,128}$" $http_x_request_id;
}

# Retry-After for the limits nginx enforces itself; a service's own Retry-After passes untouched.
map "$status:$upstream_status" $chatty_retry_after {
    default "";
    "429:" 1;
    "503:" 5;
}

log_format chatty_access '$remote_addr "$request" $status $body_bytes_sent $request_time '
                         'request_id=$chatty_request_id upstream=$upstream_addr';

server {
    listen \${GATEWAY_LISTEN} default_server;
    server_name _;
    server_tokens off;
    absolute_redirect off;
    access_log \${GATEWAY_ACCESS_LOG} chatty_access;

    client_max_body_size \${GATEWAY_MAX_BODY_SIZE};

    limit_req zone=chatty_per_ip burst=\${GATEWAY_RATE_BURST} nodelay;
    limit_req_status 429;

    # Every location inherits these because none of them declares add_header itself.
    add_header X-Request-Id $chatty_request_id always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "frame-ancestors 'none'" always;
    add_header Referrer-Policy no-referrer always;
    add_header Retry-After $chatty_retry_after always;

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Request-Id $chatty_request_id;
    proxy_set_header X-Real-IP $remote_addr;
    # nginx is the edge: a client-sent X-Forwarded-For is replaced, so nobody can pick their own IP
    # for the services' per-IP rate limits.
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;
    proxy_hide_header X-Request-Id;
    proxy_hide_header X-Content-Type-Options;
    proxy_hide_header Content-Security-Policy;
    proxy_hide_header Referrer-Policy;
    proxy_hide_header X-Powered-By;
    proxy_connect_timeout 5s;
    proxy_read_timeout 60s;

${errorPages.join('')}
${locations.join('\n')}
    location = /api/docs {
        alias \${GATEWAY_DOCS_ROOT}/index.html;
        types { }
        default_type text/html;
        charset utf-8;
    }

    location = /api/docs/ {
        return 301 /api/docs;
    }

    location / {
        return 404;
    }

${problemLocations.join('\n')}}
`
}

/** Fills `${NAME}` placeholders; unlike envsubst, a placeholder without a value is an error. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const missing = new Set<string>()
  const rendered = template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = values[name]
    if (value === undefined) {
      missing.add(name)
      return ''
    }
    return value
  })
  if (missing.size > 0) {
    throw new Error(`No value for nginx template placeholder(s): ${[...missing].join(', ')}`)
  }
  return rendered
}

/** Placeholder values for nginx running next to the services, all on this machine. */
export function localTemplateValues(
  gateway: GatewaySettings,
  upstreams: ReadonlyArray<{ service: ServiceDefinition; port: number }>,
): Record<string, string> {
  const values: Record<string, string> = {
    GATEWAY_LISTEN: `${gateway.host}:${gateway.port}`,
    GATEWAY_RATE_LIMIT: String(gateway.rateLimit),
    GATEWAY_RATE_BURST: String(gateway.burst),
    GATEWAY_MAX_BODY_SIZE: gateway.maxBodySize,
    GATEWAY_DOCS_ROOT: gateway.docsRoot,
    GATEWAY_ACCESS_LOG: gateway.accessLog,
  }
  for (const { service, port } of upstreams) {
    if (isRouted(service)) values[upstreamVariable(service)] = `127.0.0.1:${port}`
  }
  return values
}

/**
 * The top-level nginx.conf for the local runner: everything nginx writes stays under `prefix`, it
 * stays in the foreground, and logs go to the runner through stderr/stdout.
 */
export function renderMainConfig(options: {
  prefix: string
  serverConfigPath: string
  runningAsRoot: boolean
}): string {
  const { prefix } = options
  // As root, nginx would otherwise hand its workers to an unprivileged user that may not read the
  // repository or write the temp directories below.
  const user = options.runningAsRoot ? 'user root;\n' : ''
  return `# Rendered by the local stack runner (infra/stack); the server lives in chatty.conf.
daemon off;
${user}worker_processes auto;
pid ${join(prefix, 'nginx.pid')};
error_log stderr warn;

events {
    worker_connections 1024;
}

http {
    types {
        text/html html;
        application/json json;
    }
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path ${join(prefix, 'client_body_temp')};
    proxy_temp_path ${join(prefix, 'proxy_temp')};
    fastcgi_temp_path ${join(prefix, 'fastcgi_temp')};
    uwsgi_temp_path ${join(prefix, 'uwsgi_temp')};
    scgi_temp_path ${join(prefix, 'scgi_temp')};

    include ${options.serverConfigPath};
}
`
}

const NGINX_SEARCH_PATH = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/local/nginx/sbin',
  '/opt/homebrew/bin',
]

/** The nginx binary: NGINX_BIN, else the first `nginx` on PATH or in the usual sbin folders. */
export function findNginx(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const candidates = env.NGINX_BIN
    ? [env.NGINX_BIN]
    : [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...NGINX_SEARCH_PATH].map((dir) =>
        join(dir, 'nginx'),
      )
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

export const NGINX_INSTALL_HINT =
  'install it (Debian/Ubuntu: apt-get install -y nginx; macOS: brew install nginx) or set NGINX_BIN'
