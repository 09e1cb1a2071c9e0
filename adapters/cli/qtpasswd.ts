#!/usr/bin/env node
import { runQtpasswd } from '../auth/qtpasswdCommand.js';
import { StreamPrompter } from '../auth/terminalPrompt.js';

/**
 * `qtpasswd`: manages QTSS/DSS qtusers and qtgroups files with DSS's flags
 * (see adapters/auth/qtpasswdCommand.ts). Prompts go to stderr; on a terminal,
 * passwords are read without echo.
 */
const prompter = new StreamPrompter(process.stdin, process.stderr);
const code = await runQtpasswd(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  prompter,
});
process.exitCode = code;
