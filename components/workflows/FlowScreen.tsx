import { Box, Text } from 'ink';
import { safeText } from '../../src/model/text.ts';
import { useConsole } from '../hooks/context.ts';
import { useNow } from '../hooks/useNow.ts';
import type { Flow } from './flow.ts';
import { useHostHealth } from '../hooks/useHostHealth.ts';
import { matches, type Choice, type Field, type FormState } from './form.ts';
import { planLines, resumeLines, timelineLines, wrapLines } from './lines.ts';
import { clampScroll, ScrollLines } from './ScrollLines.tsx';
import type { TimelineState } from './timeline.ts';
import { PLAN_PROMPT_LINES } from './useFlow.ts';
import { useWorkflowState } from './useWorkflowState.ts';

interface Size {
  width: number;
  height: number;
}

/** The footer keys of each flow screen (the shell's footer shows them instead of the view's). */
export function flowFooter(flow: Flow, paused = false): [string, string][] {
  switch (flow.screen) {
    case 'wizard':
      return [
        ['tab', 'next'],
        ['↑', 'previous'],
        ['←/→', 'choose'],
        ['enter', flow.form.focus === flow.form.fields.length - 1 ? 'plan' : 'next'],
        ['esc', 'cancel'],
      ];
    case 'plan':
      return [
        ['↑↓ pgup pgdn', 'scroll'],
        ['enter', 'apply if the name matches'],
        ['esc', 'discard'],
      ];
    case 'timeline':
      if (paused)
        return [
          ['c', 'VM moved, continue'],
          ['x', 'stop, roll back'],
          ['esc', 'back'],
        ];
      return [
        ['↑↓ pgup pgdn', 'scroll'],
        ['v', flow.verbose ? 'fewer commands' : 'every command'],
        ['esc', 'back'],
      ];
    case 'resume':
      return [
        ['r', 'resume'],
        ['b', 'roll back'],
        ['l', 'later'],
      ];
  }
}

export function flowTitle(flow: Flow): string {
  switch (flow.screen) {
    case 'wizard':
      if (flow.kind === 'guard-repair') return 'repair anti-spoofing';
      return flow.kind === 'create' ? 'create workload' : `migrate ${flow.workload?.name ?? ''}`;
    case 'plan':
      // A guard repair's subject is its lease name, the kind again.
      return flow.plan.workload === flow.plan.kind
        ? `plan ${flow.plan.kind}`
        : `plan ${flow.plan.kind} ${flow.plan.workload}`;
    case 'timeline':
      return 'timeline';
    case 'resume':
      return 'interrupted plan';
  }
}

export function FlowScreen({ flow, width, height }: { flow: Flow } & Size) {
  switch (flow.screen) {
    case 'wizard':
      return <Wizard flow={flow} width={width} height={height} />;
    case 'plan':
      return <PlanPreview flow={flow} width={width} height={height} />;
    case 'timeline':
      return <Timeline flow={flow} width={width} height={height} />;
    case 'resume':
      return (
        <ScrollLines
          lines={wrapLines(resumeLines(flow.stored, flow.done), width)}
          offset={0}
          height={height}
          width={width}
        />
      );
  }
}

function Wizard({ flow, width, height }: { flow: Flow & { screen: 'wizard' } } & Size) {
  const { theme } = useConsole();
  const w = flow.workload;
  const title =
    flow.kind === 'guard-repair'
      ? "Repair anti-spoofing drift: make the hosts' vmguard sets say what the registry says"
      : flow.kind === 'create'
        ? "Create a workload: a /32 and a /64 from the tenant's pools, on a new TAP"
        : `Migrate ${w?.name ?? '?'} (tenant ${w?.tenant ?? '?'}, ${w?.ipv4 ?? '?'}/32, ${w?.ipv6Prefix ?? '?'}) from ${w?.host ?? '?'}`;
  const labelWidth = Math.max(...flow.form.fields.map((f) => f.label.length)) + 1;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        {safeText(title)}
      </Text>
      <Text> </Text>
      {flow.form.fields.map((field, i) => (
        <FieldRow
          key={field.id}
          field={field}
          focused={i === flow.form.focus}
          labelWidth={labelWidth}
          width={width}
        />
      ))}
      <Text> </Text>
      <FormMessage form={flow.form} width={width} />
      <Text color={theme.muted} wrap="truncate-end">
        Nothing is sent yet: the plan shows every command, then asks for the name.
      </Text>
    </Box>
  );
}

function FormMessage({ form, width }: { form: FormState; width: number }) {
  const { theme } = useConsole();
  if (!form.error) return <Text> </Text>;
  return (
    <Box width={width}>
      <Text color={theme.error} wrap="wrap">
        {`✗ ${safeText(form.error)}`}
      </Text>
    </Box>
  );
}

function FieldRow({
  field,
  focused,
  labelWidth,
  width,
}: {
  field: Field;
  focused: boolean;
  labelWidth: number;
  width: number;
}) {
  const { theme } = useConsole();
  const marker = focused ? '▸ ' : '  ';
  const label = (
    <Text bold={focused} color={focused ? theme.accent : undefined}>
      {`${marker}${field.label.padEnd(labelWidth)} `}
    </Text>
  );
  if (field.kind === 'text') {
    return (
      <Text wrap="truncate-end">
        {label}
        <Text>{safeText(field.text)}</Text>
        {focused ? <Text inverse> </Text> : null}
        {field.hint ? <Text color={theme.muted}>{`   ${safeText(field.hint)}`}</Text> : null}
      </Text>
    );
  }
  return (
    <ChoiceRow field={field} focused={focused} label={label} labelCells={labelWidth + 3} width={width} />
  );
}

function ChoiceRow({
  field,
  focused,
  label,
  labelCells,
  width,
}: {
  field: Field;
  focused: boolean;
  label: React.JSX.Element;
  /** Cells the marker and label take. */
  labelCells: number;
  width: number;
}) {
  const { theme } = useConsole();
  const found = matches(field);
  const index = Math.min(field.index, found.length - 1);
  // Start a little before the highlighted choice so it is always on screen, even among 1,000 hosts,
  // and late enough that it is whole at 80 columns (`[break-before-make]`, never `[break-be…`).
  const room = width - labelCells - (field.text && !field.fixed ? safeText(field.text).length + 2 : 0);
  let from = Math.max(0, index - 2);
  while (from < index && choicesWidth(found.slice(from, index + 1)) + (from > 0 ? 2 : 0) > room) from++;
  const shown = found.slice(from, from + 12);
  const health = useHostHealth(shown.flatMap((choice) => (choice.device ? [choice.device] : [])));
  const noteOf = (choice: Choice) => (choice.device ? health[choice.device] : choice.note);
  const badOf = (choice: Choice) => (choice.device ? health[choice.device] !== 'ok' : choice.bad);
  return (
    <Box width={width}>
      <Text wrap="truncate-end">
        {label}
        {field.fixed ? null : (
          <Text color={theme.key}>{field.text ? `${safeText(field.text)}${focused ? '▏' : ''} ` : ''}</Text>
        )}
        {from > 0 ? <Text color={theme.muted}>… </Text> : null}
        {found.length === 0 ? (
          <Text color={theme.error}>{`no match for "${safeText(field.text)}"`}</Text>
        ) : null}
        {shown.map((choice, i) => {
          const selected = from + i === index;
          return (
            <Text key={choice.value}>
              <Text inverse={selected} bold={selected}>
                {selected ? `[${safeText(choice.value)}]` : ` ${safeText(choice.value)} `}
              </Text>
              {noteOf(choice) ? (
                <Text
                  color={badOf(choice) ? theme.error : theme.muted}
                >{` ${safeText(noteOf(choice) ?? '')}`}</Text>
              ) : null}
              <Text>{'  '}</Text>
            </Text>
          );
        })}
        {from + shown.length < found.length ? (
          <Text color={theme.muted}>{`+${found.length - from - shown.length}`}</Text>
        ) : null}
      </Text>
    </Box>
  );
}

/** Cells the choices take on the line (a device's health note at its longest, `unreachable`). */
function choicesWidth(choices: readonly Choice[]): number {
  return choices.reduce((n, c) => {
    const note = c.device ? 'unreachable' : (c.note ?? '');
    return n + safeText(c.value).length + 2 + (note ? note.length + 1 : 0) + 2;
  }, 0);
}

function PlanPreview({ flow, width, height }: { flow: Flow & { screen: 'plan' } } & Size) {
  const { theme } = useConsole();
  const lines = wrapLines(planLines(flow.plan), width);
  const body = Math.max(1, height - PLAN_PROMPT_LINES);
  const offset = clampScroll(flow.scroll, lines.length, body);
  const last = Math.min(lines.length, offset + body);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ScrollLines lines={lines} offset={offset} height={body} width={width} />
      <Text wrap="truncate-end">
        <Text
          bold
          color={theme.warn}
        >{`Type ${safeText(flow.plan.workload)} to apply, Esc to discard: `}</Text>
        <Text>{safeText(flow.typed)}</Text>
        <Text inverse> </Text>
      </Text>
      {flow.error ? (
        <Text color={theme.error} wrap="truncate-end">
          {safeText(flow.error)}
        </Text>
      ) : (
        <Text color={theme.muted} wrap="truncate-end">
          {`lines ${offset + 1}–${last} of ${lines.length}${last < lines.length ? ' · ↓ PgDn for more' : ''} · nothing is sent before the name is typed`}
        </Text>
      )}
    </Box>
  );
}

const NO_RUN: TimelineState | null = null;

function Timeline({ flow, width, height }: { flow: Flow & { screen: 'timeline' } } & Size) {
  const { theme } = useConsole();
  const run = useWorkflowState((s) => s.run, NO_RUN);
  const clock = useNow(run?.status === 'running' ? 200 : 1000);
  if (!run) return <Text color={theme.muted}>no apply has run in this console</Text>;
  const lines = wrapLines(timelineLines(run, Math.max(clock, run.startedAt), flow.verbose), width);
  return (
    <ScrollLines
      lines={lines}
      offset={clampScroll(flow.scroll, lines.length, height)}
      height={height}
      width={width}
    />
  );
}
