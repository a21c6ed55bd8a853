/**
 * Whether a string is an IPv4 or IPv6 address as the server accepts it (`ip_address`), without `node:net`, so
 * the check runs in browsers and edge runtimes too. Same answers as Node's `net.isIP() !== 0` (a unit test
 * compares them): IPv4 in dotted-quad form without leading zeros, IPv6 in any RFC 4291 text form, with an
 * embedded IPv4 tail and an optional `%zone`.
 */

const IPV4_PART = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_PART}(?:\\.${IPV4_PART}){3}$`);
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
const ZONE = /^[0-9a-z.:-]+$/i;

export function isIpAddress(value: string): boolean {
  return IPV4.test(value) || isIpv6(value);
}

function isIpv6(value: string): boolean {
  const zoneAt = value.indexOf('%');
  const address = zoneAt === -1 ? value : value.slice(0, zoneAt);
  if (zoneAt !== -1 && !ZONE.test(value.slice(zoneAt + 1))) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const all = groups.flat();
  const last = all[all.length - 1];
  // an IPv4 tail counts as two groups, and may only end the address
  let count = all.length;
  if (last !== undefined && last.includes('.')) {
    if (!IPV4.test(last)) return false;
    all.pop();
    count += 1;
    if (halves.length === 2 && (halves[1] === '' || halves[1] === undefined)) return false;
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}
