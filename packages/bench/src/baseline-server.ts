/**
 * The bare servers every figure is compared with, one per process: `node baseline-server.ts <kind>` listens on
 * PORT and answers `/` once ready. Each does the least its kind can: one JSON body, one Redis GET, one primary-key
 * SELECT, or a WebSocket broadcast of each message it is sent to every other socket.
 */
import { createServer } from "node:http";
import { Redis } from "ioredis";
import Koa from "koa";
import { createPool } from "mysql2/promise";
import { WebSocketServer } from "ws";

const kind = process.argv[2];
const port = Number(process.env.PORT);
const body = JSON.stringify({ id: 1, title: "baseline", views: 42 });

async function main(): Promise<void> {
  if (kind === "node-http") {
    createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    }).listen(port, "127.0.0.1");
    return;
  }
  if (kind === "ws-broadcast") {
    const server = createServer((_req, res) => res.end("ok")).listen(port, "127.0.0.1");
    const wss = new WebSocketServer({ server });
    wss.on("connection", (socket) => {
      socket.on("message", (data) => {
        for (const client of wss.clients) if (client !== socket) client.send(data);
      });
    });
    return;
  }
  const app = new Koa();
  if (kind === "koa") {
    app.use((ctx) => {
      ctx.body = { id: 1, title: "baseline", views: 42 };
    });
  } else if (kind === "koa-redis") {
    const redis = new Redis(process.env.REDIS_URL ?? "");
    const key = `${process.env.KEY_PREFIX}:baseline`;
    await redis.set(key, body);
    app.use(async (ctx) => {
      ctx.type = "json";
      ctx.body = await redis.get(key);
    });
  } else if (kind === "koa-mariadb") {
    const pool = createPool({ uri: process.env.MYSQL_URL ?? "", connectionLimit: 20 });
    await pool.query(
      "CREATE TABLE IF NOT EXISTS bench_baseline (id INT PRIMARY KEY, title VARCHAR(100), views INT)",
    );
    await pool.query("REPLACE INTO bench_baseline VALUES (1, 'baseline', 42)");
    app.use(async (ctx) => {
      const [rows] = await pool.query("SELECT id, title, views FROM bench_baseline WHERE id = ?", [1]);
      ctx.body = (rows as unknown[])[0];
    });
  } else {
    throw new Error(`unknown baseline ${kind}`);
  }
  app.listen(port, "127.0.0.1");
}

await main();
