# The grantflow worker (and CLI) as an image. Build: docker build -t grantflow .
# Run:   docker run --rm -e TEMPORAL_ADDRESS=... -e AWS_REGION=us-east-1 grantflow worker
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts/bundle-workflows.js ./scripts/
# Compile, then bundle the workflows ahead of time so the worker starts without webpack.
RUN npx tsc -p tsconfig.build.json && node scripts/bundle-workflows.js

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/lib ./lib
COPY bin ./bin
COPY config ./config
USER node
# The worker shuts down gracefully on SIGTERM (docker stop): it finishes the tasks in hand.
STOPSIGNAL SIGTERM
# The metrics port, when GRANTFLOW_METRICS_ADDRESS (or --metrics-address) turns it on.
EXPOSE 9464
ENTRYPOINT ["node", "bin/grantflow.js"]
CMD ["worker"]
