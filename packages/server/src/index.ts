export { createApp } from "./app.ts";
export { type Config, loadConfig } from "./config.ts";
export { type Container, createContainer } from "./container.ts";
export { startServer } from "./server.ts";
