import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { measure } from "./load.ts";
import { startNode } from "./processes.ts";
import { topSelfTime } from "./profile.ts";
import { provision } from "./services.ts";
import { adminSession, distinctViewer, json, seed } from "./scenarios/support.ts";

const what = process.argv[2] ?? "grants";
const dir = `/tmp/pg/${what}-${Date.now()}`;
const provisioned = await provision("env", console.error);
const services = await provisioned.isolate();
const server = await startNode(
  "server",
  [
    ...(process.env.NOPROF ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`]),
    "--conditions=@codechef/source",
    join(import.meta.dirname, "../../server/src/main.ts"),
  ],
  {
    DATABASE_URL: services.mysqlUrl,
    REDIS_URL: services.redisUrl,
    KEY_PREFIX: services.keyPrefix,
    JWT_SECRET: "bench-secret-bench-secret-bench-secret!",
    CODECHEF_LAB: "1",
    RATE_LIMITS: "off",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    DATA_DIR: "/tmp/pg/data",
    ...adminSession.env,
  },
);
if (what === "grants") {
  const admin = await adminSession.login(server.url);
  const target = await seed(server.url, { users: 1 });
  const r = await measure({
    url: `${server.url}/api/v1/admin/users/${target.firstUser}/points`,
    method: "POST",
    headers: { authorization: `Bearer ${admin}` },
    requests: [
      {
        method: "POST",
        body: JSON.stringify({ delta: 10, reason: "bench" }),
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, "idempotency-key": randomUUID() } }),
      },
    ],
    connections: Number(process.argv[3] ?? 100),
    amount: Number(process.argv[4] ?? 20000),
    timeout: 300,
  });
  console.error(r);
  for (let i = 0; i < 3; i++) {
    const again = await measure({
      url: `${server.url}/api/v1/admin/users/${target.firstUser}/points`,
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
      requests: [
        {
          method: "POST",
          body: JSON.stringify({ delta: 10, reason: "bench" }),
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, "idempotency-key": randomUUID() } }),
        },
      ],
      connections: Number(process.argv[3] ?? 100),
      amount: Number(process.argv[4] ?? 20000),
      timeout: 300,
    });
    const lab = await measure({
      url: `${server.url}/api/v1/lab/points/atomic`,
      method: "POST",
      body: JSON.stringify({ userId: target.firstUser, delta: 10 }),
      connections: Number(process.argv[3] ?? 100),
      amount: Number(process.argv[4] ?? 20000),
      timeout: 300,
    });
    console.error(
      "again",
      again.durationMs,
      again.p50,
      again.p99,
      "lab atomic",
      lab.durationMs,
      lab.p50,
      lab.p99,
    );
  }
} else if (what === "views") {
  const { firstBoard } = await seed(server.url, { users: 10, boards: 1 });
  for (let i = 0; i < 3; i++) {
    const r = await measure({
      url: `${server.url}/api/v1/boards/${firstBoard}`,
      connections: 100,
      amount: 20000,
      requests: [{ method: "GET", setupRequest: distinctViewer }],
    });
    console.error("views", r.rps, r.p50, r.p99, r.non2xx);
  }
} else {
  await seed(server.url, { users: 2000, ledger: 20000, index: false });
  for (const path of process.argv.slice(3)) {
    await measure({ url: `${server.url}${path}`, connections: 100, duration: 2 });
    const r = await measure({ url: `${server.url}${path}`, connections: 100, duration: 5 });
    console.error(path, r.rps, r.p50, r.p99, r.non2xx);
  }
}
await server.stop();
await services.release();
await provisioned.stop();
if (!process.env.NOPROF) console.log(topSelfTime(dir, 40));
