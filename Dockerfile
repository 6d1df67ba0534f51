# petsage-smoke: a multi-stage build, non-root, production dependencies only.
#   docker build -t petsage-smoke:0.1.0 .
# (test/deploy/container.test.ts runs this file's runtime-stage steps without a container engine.)

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
# The daemon alone (src/): the tests, bench and scripts are not in the image, and their imports
# must not break its build.
RUN echo '{"extends":"./tsconfig.json","include":["src"]}' > tsconfig.build.json && npx tsc -p tsconfig.build.json

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY --from=build /src/dist/src ./dist/src
COPY config ./config
COPY bin ./bin
# The runbooks GET /runbooks serves: the alerts link to them.
COPY docs/runbooks.md ./docs/runbooks.md
# The log, spans and state file go to /app/var: a volume (the root filesystem can be read-only).
RUN mkdir -p /app/var && chown 10001:10001 /app/var
USER 10001:10001
# 8080: the run routes and the API; 8081: the probes and /metrics when server.probes.enabled
# (the Kubernetes manifests turn it on). config/production.yaml requires PETSAGE_SMOKE_AUTH_TOKEN.
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve"]
