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
  'GATEWAY_MEDIA_ROOT',
  'GATEWAY_WEB_ROOT',
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
  /** MEDIA_DIR: the uploads posts writes, served at /media/. */
  mediaRoot: string
  /** The web client's built files (apps/web/dist), served at /. */
  webRoot: string
  /** An nginx access_log destination: /dev/stdout in docker, syslog to the runner locally. */
  accessLog: string
}

interface Problem {
  status: number
  code: string
  title: string
  detail?: string
}

/**
 * What nginx answers itself; everything else comes from the services. `also` lists nginx's own
 * codes that get the same answer (494: request headers too large, which nginx reports as 400).
 */
const GATEWAY_PROBLEMS: readonly (Problem & { also?: readonly number[] })[] = [
  {
    status: 400,
    also: [494],
    code: 'malformed-request',
    title: 'Bad Request',
  },
  { status: 404, code: 'not-found', title: 'Not Found' },
  {
    status: 413,
    code: 'payload-too-large',
    title: 'Payload Too Large',
    detail: 'The request body is larger than the gateway accepts.',
  },
  {
    status: 414,
    code: 'uri-too-long',
    title: 'URI Too Long',
    detail: 'The request URI is longer than the gateway accepts.',
  },
  {
    status: 429,
    code: 'rate-limited',
    title: 'Too Many Requests',
    detail: 'Too many requests from this address. Retry after the time in Retry-After.',
  },
  {
    status: 502,
    code: 'unavailable',
    title: 'Bad Gateway',
    detail: 'The service behind the gateway is not answering.',
  },
  {
    status: 503,
    code: 'unavailable',
    title: 'Service Unavailable',
    detail: 'The service is temporarily unavailable.',
  },
  {
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

/**
 * The largest request body a service accepts: libs/http's DEFAULT_BODY_LIMIT_BYTES (64 KiB). nginx
 * refuses a bigger body itself, so a service never answers 413 halfway through reading one.
 */
export const API_BODY_LIMIT = '64k'

/**
 * Exact paths (not their subpaths) whose service takes bigger bodies than API_BODY_LIMIT. An upload
 * file may have 8 MiB; nginx lets up to twice that through, so that posts itself answers 413 for a
 * file over 8 MiB after reading the rest of the body, and the client's connection stays open (nginx
 * closes the connection after a 413 of its own: it sets keepalive off for 413, whatever error_page
 * or lingering_close say; see docs/decisions.md).
 */
export const API_BODY_LIMITS: Readonly<Record<string, string>> = { '/api/media': '16m' }

/** What nginx serves under /media/: the names posts gives files, with an exact type each. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
}
/** What the web client's build holds, typed by extension (the local nginx has no mime.types). */
export const WEB_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html',
  js: 'text/javascript',
  css: 'text/css',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  json: 'application/json',
  txt: 'text/plain',
}

/**
 * The Content-Security-Policy of the web client's pages: its own scripts and styles only (no
 * inline script or style element), requests to its own origin (the API and the event stream),
 * pictures from /media/ and the data:/blob: URLs of pictures being picked for upload.
 */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** The policy of everything nginx does not serve from the web client (the API, media, docs). */
export const API_CONTENT_SECURITY_POLICY = "frame-ancestors 'none'"

const MEDIA_FILE = `[A-Za-z0-9_-]{16,64}\\.(?:${Object.keys(MEDIA_TYPES).join('|')})`

/**
 * How long nginx keeps an idle upstream connection. It must stay below the services' keep-alive
 * timeout (libs/http SERVER_KEEP_ALIVE_TIMEOUT_MS), or nginx may send a request on a connection the
 * service is closing: a 502 for a POST, which nginx does not retry.
 */
export const UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS = 60

/**
 * How long nginx waits for the next bytes of an event stream (`streamPaths` of a manifest). The
 * services send a heartbeat well within it, so an open stream is never cut for being quiet.
 */
export const STREAM_READ_TIMEOUT = '1h'

/**
 * A request target nginx must not route: the path (not the query) is not printable ASCII and
 * percent-encoded UTF-8 (RFC 3629: no overlong forms, surrogates or bytes over U+10FFFF), or it
 * holds an encoded NUL, slash or backslash, a raw backslash, or a dot segment. nginx decodes and
 * normalises such a path to pick the location, but proxies it as sent, so `/api/posts/..%2Fadmin`
 * would reach admin as a posts path.
 */
const MALFORMED_PATHS = ['~*^[^?]*(?:%00|%2f|%5c|\\x5c)', '~*^[^?]*/(?:\\.|%2e){1,2}(?:[/?]|$)']
const CONT = '%[89ab][0-9a-f]'
const WELL_FORMED_PATH = `~*^/(?:${[
  '[\\x21-\\x24\\x26-\\x3e\\x40-\\x7e]',
  '%0[1-9a-f]',
  '%[1-7][0-9a-f]',
  `%c[2-9a-f]${CONT}`,
  `%d[0-9a-f]${CONT}`,
  `%e0%[ab][0-9a-f]${CONT}`,
  `%e[1-9abcef]${CONT}${CONT}`,
  `%ed%[89][0-9a-f]${CONT}`,
  `%f0%[9ab][0-9a-f]${CONT}${CONT}`,
  `%f[1-3]${CONT}${CONT}${CONT}`,
  `%f4%8[0-9a-f]${CONT}${CONT}`,
].join('|')})*+(?:\\?.*)?$`

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
    keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS}s;
}
`,
  )
  const refuseMalformed =
    '        if ($chatty_malformed_uri) {\n            return 400;\n        }\n'
  const locations = routed.flatMap((service) =>
    service.prefixes.flatMap((prefix) =>
      [`= ${prefix}`, `${prefix}/`].map(
        (match) => `    location ${match} {
${refuseMalformed}        client_max_body_size ${(match.startsWith('=') && API_BODY_LIMITS[prefix]) || API_BODY_LIMIT};
        proxy_pass http://${upstreamName(service)};
    }
`,
      ),
    ),
  )
  const streamLocations = routed.flatMap((service) =>
    (service.streamPaths ?? []).map(
      (path) => `    location = ${path} {
${refuseMalformed}        client_max_body_size ${API_BODY_LIMIT};
        proxy_buffering off;
        proxy_cache off;
        proxy_read_timeout ${STREAM_READ_TIMEOUT};
        proxy_pass http://${upstreamName(service)};
    }
`,
    ),
  )
  const problemUri = (problem: Problem) => `/.chatty/problems/${problem.status}`
  const errorPages = GATEWAY_PROBLEMS.map(
    (problem) =>
      `    error_page ${[problem.status, ...(problem.also ?? [])].join(' ')} ${problemUri(problem)};\n`,
  )
  const problemLocations = GATEWAY_PROBLEMS.map(
    (problem) => `    location = ${problemUri(problem)} {
        internal;
        types { }
        default_type application/problem+json;
        return ${problem.status} '${problemBody(problem)}';
    }
`,
  )
  const webTypes = `        types {
${Object.entries(WEB_TYPES)
  .map(([extension, type]) => `            ${type} ${extension};\n`)
  .join('')}        }
        default_type application/octet-stream;
        charset utf-8;
        charset_types text/css text/javascript application/json text/plain;
`
  const malformedPaths = MALFORMED_PATHS.map((pattern) => `    "${pattern}" 1;\n`).join('')

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

# Uploaded pictures never change (a new upload gets a new name), so they are cached for a year;
# so are the web client's assets, whose names carry a hash of their content. index.html (also the
# answer for every client route) is revalidated on each load, so a new build is picked up at once.
map $uri $chatty_cache_control {
    default "";
    "~^/media/" "public, max-age=31536000, immutable";
    "~^/assets/" "public, max-age=31536000, immutable";
    "/index.html" "no-cache";
}

# The web client's strict policy everywhere but the API (whose docs page has an inline script),
# the uploads, the metrics path and nginx's own problem answers (error pages are internal URIs).
map $uri $chatty_content_security_policy {
    default "${WEB_CONTENT_SECURITY_POLICY}";
    "~^/(?:api|media|metrics|\\.chatty)(?:/|$)" "${API_CONTENT_SECURITY_POLICY}";
}

# 1 for a request target no service should see (see MALFORMED_PATHS in infra/stack/src/nginx.ts);
# the first matching pattern wins.
map $request_uri $chatty_malformed_uri {
    default 1;
${malformedPaths}    "${WELL_FORMED_PATH}" 0;
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
    # Room for a request line of up to 16 KiB (a long search query reaches the service, which answers
    # 422 for it); anything longer is 414 uri-too-long. Node's own limit on the head is 16 KiB too.
    large_client_header_buffers 4 16k;

    limit_req zone=chatty_per_ip burst=\${GATEWAY_RATE_BURST} nodelay;
    limit_req_status 429;

    # Every location inherits these because none of them declares add_header itself.
    add_header X-Request-Id $chatty_request_id always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy $chatty_content_security_policy always;
    add_header Referrer-Policy no-referrer always;
    add_header Retry-After $chatty_retry_after always;
    add_header Cache-Control $chatty_cache_control;

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

    # Error pages are internal URIs, not named locations: a request whose request line nginx could
    # not parse has no URI yet, and a redirect to a named location then fails with a 500.
${errorPages.join('')}
${[...streamLocations, ...locations].join('\n')}
    location = /api/docs {
${refuseMalformed}        alias \${GATEWAY_DOCS_ROOT}/index.html;
        types { }
        default_type text/html;
        charset utf-8;
    }

    location = /api/docs/ {
        return 301 /api/docs;
    }

    # Uploads (MEDIA_DIR): only names posts gives files, typed by their extension (nosniff is
    # above), never a directory listing; anything else under /media/ is 404.
    location ~ "^/media/(?<chatty_media_file>${MEDIA_FILE})$" {
        alias \${GATEWAY_MEDIA_ROOT}/$chatty_media_file;
        types {
${Object.entries(MEDIA_TYPES)
  .map(([extension, type]) => `            ${type} ${extension};\n`)
  .join('')}        }
        default_type application/octet-stream;
    }

    location /media/ {
        return 404;
    }

    # Metrics are scraped from each service's own metrics port (METRICS_PORT), never through the
    # gateway: this stays 404 whatever comes to be served at /.
    location = /metrics {
        return 404;
    }

    # Unknown API paths, and /media itself, stay problem+json 404s rather than the web client's page.
    location = /api {
        return 404;
    }

    location = /media {
        return 404;
    }

    location /api/ {
        return 404;
    }

    # The web client (apps/web/dist): hashed assets as they are, anything else is a client route
    # that index.html handles.
    location /assets/ {
${refuseMalformed}        root \${GATEWAY_WEB_ROOT};
${webTypes}        try_files $uri =404;
    }

    location / {
${refuseMalformed}        root \${GATEWAY_WEB_ROOT};
${webTypes}        try_files $uri /index.html =404;
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
    GATEWAY_MEDIA_ROOT: gateway.mediaRoot,
    GATEWAY_WEB_ROOT: gateway.webRoot,
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
