# syntax=docker/dockerfile:1
# Node 22 in both stages: Node 20 reached its end of life in April 2026, and AWS SDK releases from
# January 2027 need Node 22. The code still runs on Node 20.11+ (package.json engines; CI here runs 20).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:22-bookworm-slim
# NODE_OPTIONS: the heap limit src/node-flags.ts explains (override it here, not on the command line).
ENV NODE_ENV=production NODE_OPTIONS=--max-old-space-size=512
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/partnergate.js"]
CMD ["start"]
