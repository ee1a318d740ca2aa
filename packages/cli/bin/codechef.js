#!/usr/bin/env node
import { main } from "../dist/codechef.js";

process.exitCode = await main();
