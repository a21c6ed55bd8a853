/**
 * Workshop regions (segments for the dashboards' `region` variable): a workshop's region is
 * `workshop_signup_success`'s `metadata.region` when given, otherwise the default mapping below from its city,
 * otherwise OTHER_REGION. docs/regions.md documents it (generated from this file by `npm run generate`:
 * scripts/docs/regions-doc.ts).
 * A closed-ish set: these names plus what operators send, one per workshop — so `region` on workshop_info adds
 * no series (one per workshop anyway).
 */

/** Region of a city not in the mapping (and without metadata.region). */
export const OTHER_REGION = 'Other Ontario';

/** Longest metadata.region kept (longer or empty values are ignored, and the city mapping applies). */
export const REGION_MAX_LENGTH = 100;

/** The default mapping: region → the cities (as signups send them; compared case- and space-insensitively). */
export const REGION_CITIES: Readonly<Record<string, readonly string[]>> = {
  GTA: [
    'Toronto',
    'Mississauga',
    'Brampton',
    'Markham',
    'Vaughan',
    'Richmond Hill',
    'Oakville',
    'Burlington',
    'Milton',
    'Pickering',
    'Ajax',
    'Whitby',
    'Oshawa',
    'Newmarket',
    'Aurora',
    'Scarborough',
    'Etobicoke',
    'North York',
  ],
  Ottawa: ['Ottawa', 'Kanata', 'Nepean', 'Orléans', 'Orleans', 'Gloucester'],
  Hamilton: ['Hamilton', 'Stoney Creek', 'Ancaster', 'Dundas'],
  London: ['London', 'St. Thomas'],
  'Kitchener-Waterloo': ['Kitchener', 'Waterloo', 'Cambridge'],
  Niagara: ['St. Catharines', 'Niagara Falls', 'Welland'],
  'Eastern Ontario': ['Kingston', 'Belleville', 'Peterborough', 'Cornwall'],
  'Southwestern Ontario': ['Windsor', 'Sarnia', 'Chatham'],
  'Central Ontario': ['Barrie', 'Orillia', 'Guelph'],
  'Northern Ontario': ['Sudbury', 'Greater Sudbury', 'Thunder Bay', 'Sault Ste. Marie', 'North Bay', 'Timmins'],
};

const key = (city: string) => city.trim().replace(/\s+/g, ' ').toLowerCase();

const BY_CITY = new Map<string, string>(
  Object.entries(REGION_CITIES).flatMap(([region, cities]) => cities.map((c) => [key(c), region] as const)),
);

/** The default region of a city: the mapping, or OTHER_REGION; null without a city. */
export function defaultRegion(city: string | null | undefined): string | null {
  if (typeof city !== 'string' || city.trim() === '') return null;
  return BY_CITY.get(key(city)) ?? OTHER_REGION;
}

/** A workshop's region from its signup metadata: metadata.region when a usable string, else from the city. */
export function regionOf(metadata: Record<string, unknown>): string | null {
  const r = metadata.region;
  if (typeof r === 'string' && r.trim() !== '' && r.length <= REGION_MAX_LENGTH) return r.trim();
  return defaultRegion(typeof metadata.city === 'string' ? metadata.city : null);
}
