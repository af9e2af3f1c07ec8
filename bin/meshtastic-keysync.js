#!/usr/bin/env node
// The published entry point: the compiled CLI lives in dist/ (built by the README's commands).
import { main } from "../dist/cli.js";

main(process.argv.slice(2));
