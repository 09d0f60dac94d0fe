import { describe, expect, it } from 'vitest';
import { parsePing } from '../../src/lab/netns/ping.ts';

// Shape of iputils 20221126 (Debian 12) `ping -D -n -i 0.005`, stopped with SIGINT.
const reply = (t: string, seq: number): string =>
  `[${t}] 64 bytes from 198.51.100.1: icmp_seq=${seq} ttl=62 time=0.084 ms`;

describe('parsePing', () => {
  it('counts unanswered sequence numbers up to the last reply and the largest gap', () => {
    const out = [
      'PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.',
      reply('1700000000.000000', 1),
      reply('1700000000.005000', 2),
      reply('1700000000.130000', 5),
      reply('1700000000.135000', 6),
      '',
      '--- 198.51.100.1 ping statistics ---',
      '7 packets transmitted, 4 received, 42.8571% packet loss, time 30ms',
      'rtt min/avg/max/mdev = 0.050/0.080/0.101/0.010 ms',
    ].join('\n');
    const stats = parsePing(out);
    expect(stats).toMatchObject({ transmitted: 7, received: 4, lost: 2, firstReplyAt: 1700000000000 });
    expect(stats.maxGapMs).toBeCloseTo(125, 3);
    expect(stats.maxGapAt).toBe(1700000000005);
  });

  it('a run with no loss, and an unanswered first request', () => {
    expect(
      parsePing(
        [reply('1.0', 1), reply('1.005', 2), '2 packets transmitted, 2 received, 0% packet loss'].join('\n'),
      ).lost,
    ).toBe(0);
    expect(parsePing([reply('1.0', 3), reply('1.005', 4)].join('\n')).lost).toBe(2);
  });

  it('unwraps the 16-bit sequence number', () => {
    expect(parsePing([reply('1.0', 65535), reply('1.005', 0), reply('1.010', 1)].join('\n')).lost).toBe(
      65534,
    );
  });
});
