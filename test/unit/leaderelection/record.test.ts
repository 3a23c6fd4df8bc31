import { describe, expect, it } from 'vitest';
import { formatMicroTime, toMicroTime, toRfc3339Seconds } from '../../../src/leaderelection/index.js';
import { recordFromAnnotation, recordToAnnotation } from '../../../src/leaderelection/record.js';

describe('record times', () => {
  it('formats wall time as MicroTime', () => {
    expect(formatMicroTime(new Date(Date.UTC(2024, 1, 3, 4, 5, 6, 789)))).toBe('2024-02-03T04:05:06.789000Z');
  });

  it.each([
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00Z'],
    ['2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00.500000Z', '2024-01-01T00:00:00Z'],
    ['2024-01-01T00:00:00.123456789Z', '2024-01-01T00:00:00.123456Z', '2024-01-01T00:00:00Z'],
    ['2024-01-01T02:00:00.123456+02:00', '2024-01-01T00:00:00.123456Z', '2024-01-01T00:00:00Z'],
    ['2023-12-31T23:30:00-01:00', '2024-01-01T00:30:00.000000Z', '2024-01-01T00:30:00Z'],
    ['', '', ''],
  ])('%s → %s / %s', (input, micro, seconds) => {
    expect(toMicroTime(input)).toBe(micro);
    expect(toRfc3339Seconds(input)).toBe(seconds);
  });

  it('rejects what is not RFC 3339', () => {
    expect(() => toMicroTime('yesterday')).toThrow(TypeError);
    expect(() => toRfc3339Seconds('2024-01-01 00:00:00')).toThrow(TypeError);
  });
});

describe('annotation record', () => {
  it('round-trips through the JSON old components wrote', () => {
    const text = recordToAnnotation({
      holderIdentity: 'h',
      leaseDurationSeconds: 15,
      acquireTime: '',
      renewTime: '2024-01-01T00:00:00.999999Z',
      leaderTransitions: 1,
    });
    expect(text).toBe(
      '{"holderIdentity":"h","leaseDurationSeconds":15,"acquireTime":null,"renewTime":"2024-01-01T00:00:00Z","leaderTransitions":1}',
    );
    expect(recordFromAnnotation(text)).toEqual({
      holderIdentity: 'h',
      leaseDurationSeconds: 15,
      acquireTime: '',
      renewTime: '2024-01-01T00:00:00Z',
      leaderTransitions: 1,
    });
  });

  it('ignores unknown fields and fills missing ones with zero values, like Go', () => {
    expect(recordFromAnnotation('{"holderIdentity":"x","strategy":"s","preferredHolder":"y"}')).toEqual({
      holderIdentity: 'x',
      leaseDurationSeconds: 0,
      acquireTime: '',
      renewTime: '',
      leaderTransitions: 0,
    });
  });

  it.each([
    ['{', /not JSON/],
    ['[]', /not a JSON object/],
    ['null', /not a JSON object/],
    ['{"holderIdentity":5}', /holderIdentity is not a string/],
    ['{"leaseDurationSeconds":"15"}', /leaseDurationSeconds is not a number/],
    ['{"renewTime":"soon"}', /renewTime is not an RFC 3339 time/],
  ])('rejects %s', (text, message) => {
    expect(() => recordFromAnnotation(text)).toThrow(message);
  });
});
