# The CodeChef server. Node 24 runs the TypeScript sources directly (type stripping); there is no build step.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
COPY packages/contract/package.json packages/contract/
COPY packages/server/package.json packages/server/
COPY packages/sdk/package.json packages/sdk/
# No scripts: the root `prepare` builds the publishable contract/sdk `dist/`, which the server does not use.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY packages/contract/src packages/contract/src
COPY packages/server/src packages/server/src
USER node
EXPOSE 8080
CMD ["node", "--conditions=@codechef/source", "packages/server/src/main.ts"]
