// Imported before anything that loads ink. Both libraries decide at import time: ink renders only the
// final frame when it thinks it runs in CI, and chalk takes its colour level from the process's own
// stdout (a pipe under vitest). The harness is a real terminal emulator, so neither applies.
delete process.env['CI'];
delete process.env['CONTINUOUS_INTEGRATION'];
process.env['FORCE_COLOR'] = '1';
delete process.env['NO_COLOR'];
