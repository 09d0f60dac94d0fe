// Imported before anything that loads ink (as test/components/tty-env.ts): ink renders only the final
// frame when it thinks it runs in CI, and chalk takes its colour level from the process's own stdout.
delete process.env['CI'];
delete process.env['CONTINUOUS_INTEGRATION'];
process.env['FORCE_COLOR'] = '1';
delete process.env['NO_COLOR'];
