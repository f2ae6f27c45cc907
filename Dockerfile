# syntax=docker/dockerfile:1
# One image, two commands: `bridge` (the controller) and `worker` (the Temporal worker), e.g.
#   docker build -t orchestration-bridge:0.1.0 .
#   docker run orchestration-bridge:0.1.0 worker
# Debian (glibc), not Alpine: the Temporal worker's native core-bridge ships for glibc.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Every dependency, dev ones included: the compiler and the workflow bundler.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# dist/: the compiled code and the prebuilt workflow bundle (npm run build).
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY bridge ./bridge
COPY worker ./worker
COPY activities ./activities
COPY workflows ./workflows
COPY core ./core
COPY common ./common
COPY cli ./cli
RUN npm run build

# Production dependencies only.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# npm, npx, corepack and yarn are build tools; the image only runs node.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
# package.json for "type": "module": dist/ is ESM.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# distroless' "nonroot": no home, no shell login, owns nothing in /app.
USER 65532:65532
# bridge: /metrics, /healthz, /readyz on 8080 (BRIDGE_HTTP_PORT); worker: on 8081 (WORKER_HTTP_PORT).
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/dist/bin/orchestration-bridge.js"]
CMD ["bridge"]
