# Lead Desk API: a two-stage build on Node 20.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY package.json ./
# Without DATABASE_URL the API keeps its embedded database here: writable by the app's user. No VOLUME line,
# which would give every container an anonymous volume, PostgreSQL users too: with PGlite, mount one
# (docker run -v leaddesk-data:/app/.data ...).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# as `npm run start:prod` (test/packaging.e2e-spec.ts keeps the two the same)
CMD ["node", "--max-old-space-size=160", "dist/main.js"]
