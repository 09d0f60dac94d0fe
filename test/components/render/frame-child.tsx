/**
 * Run by fast-ansi.test.ts in a process of its own (module hooks are per process): renders one
 * screen with ink, with or without components/render's leaner ANSI handling (argv[2] = 'fast'), and
 * prints the frames ink wrote and how many lines the lean module remembers (0: ink did not use it).
 */
import { PassThrough } from 'node:stream';
import { useFastAnsi } from '../../../components/render/fast-ansi.ts';

const fast = process.argv[2] === 'fast';
if (fast) useFastAnsi();
const React = await import('react');
const { Box, Text, render } = await import('ink');
const lean = await import('../../../components/render/fast-ansi-tokenize.mjs');
const slice = await import('../../../components/render/fast-slice-ansi.mjs');

const stdout = Object.assign(new PassThrough(), {
  columns: 60,
  rows: 12,
  isTTY: true,
}) as unknown as NodeJS.WriteStream;
let written = '';
(stdout as unknown as PassThrough).on('data', (chunk: Buffer) => (written += chunk.toString()));

function Screen({ n }: { n: number }) {
  return (
    // Clipped as the console's screen is (App.tsx): every line written inside it is clipped by ink.
    <Box flexDirection="column" width={60} height={10} overflow="hidden">
      <Text bold color="cyan">
        routedeck <Text dimColor>LAB (simulated)</Text> frame {n}
      </Text>
      {['spine1', 'spine2', 'hv1', '宽字符-hv2'].map((name, i) => (
        <Box key={name}>
          <Box width={14} overflow="hidden">
            <Text inverse={i === n % 4} color={i % 2 ? 'green' : 'red'}>
              {name.repeat(2)}
            </Text>
          </Box>
          <Text>
            <Text bold>Established</Text> <Text backgroundColor="blue" underline>{`${i * 7 + n}s`}</Text>{' '}
            plain
          </Text>
        </Box>
      ))}
    </Box>
  );
}

const app = render(<Screen n={0} />, { stdout, patchConsole: false, exitOnCtrlC: false });
for (let n = 1; n < 6; n++) {
  app.rerender(<Screen n={n} />);
  await new Promise((resolve) => setTimeout(resolve, 40));
}
app.unmount();
process.stdout.write(
  JSON.stringify({ written, remembered: lean.rememberedLines(), widths: slice.rememberedWidths() }),
);
