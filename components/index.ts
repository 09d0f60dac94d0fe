export { startConsole, type ConsoleHandle, type ConsoleOptions } from './console.tsx';
export { DEFAULT_KEYS, type KeyBinding, type KeyTable } from './keys.ts';
