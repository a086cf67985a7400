#!/usr/bin/env node
// Loads the built CLI (`npm run build` writes out/).
import { main } from '../out/main/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
