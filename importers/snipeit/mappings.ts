/**
 * Built-in mappings of Snipe-IT's CSV exports and import templates (hardware assets,
 * users, locations) onto the generic adapter. Column names are those of Snipe-IT's
 * exports and of its sample import files; where they differ (Name / Item Name, Model /
 * Model name, Checked Out To: Username / Username) every spelling is listed and the first
 * non-blank is used. Table in docs/inventory.md.
 */
import { compileMapping, type Mapping, type MappingInput } from '../csv/index.js';

export const SNIPEIT_SOURCE = 'snipeit';
export const SNIPEIT_KINDS = ['assets', 'users', 'locations'] as const;
export type SnipeitKind = (typeof SNIPEIT_KINDS)[number];

/** Category → class, first match wins (case-insensitive); anything else is the default class. */
export const CATEGORY_RULES: readonly { pattern: string; class: string }[] = [
  { pattern: '\\bservers?\\b|\\bblades?\\b', class: 'Server' },
  { pattern: 'load ?balancers?', class: 'LoadBalancer' },
  { pattern: '\\b(switch(es)?|routers?|firewalls?|network(ing)?|access points?|wireless|wi-?fi)\\b', class: 'NetworkDevice' },
  { pattern: '\\b(storage|nas|san|disk arrays?)\\b', class: 'StorageDevice' },
];
export const DEFAULT_ASSET_CLASS = 'Computer';

/** Hardware classes an asset may meet under another class (a "Laptops" asset that another source made a Server). */
const HARDWARE = ['Server', 'Computer', 'NetworkDevice', 'StorageDevice', 'LoadBalancer'];

const opt = (column: string | string[], type: 'string' | 'number' | 'integer' | 'boolean' | 'date' = 'string') => ({
  column,
  type,
  optional: true,
});

export interface AssetOptions {
  /** Exact category → class (or "skip"), checked before the built-in rules. */
  classMap?: Record<string, string>;
  /** Class of a category nothing matches (default Computer; "skip" to skip such assets). */
  defaultClass?: string;
}

export function assetsMapping(options: AssetOptions = {}): MappingInput {
  return {
    source: SNIPEIT_SOURCE,
    class: {
      column: 'Category',
      map: options.classMap ?? {},
      rules: [...CATEGORY_RULES],
      default: options.defaultClass ?? DEFAULT_ASSET_CLASS,
    },
    matchClasses: HARDWARE,
    key: 'Asset Tag',
    name: ['Name', 'Asset Name', 'Item Name', 'Asset Tag'],
    attributes: {
      assetTag: 'Asset Tag',
      serialNumber: opt(['Serial', 'Serial Number']),
      hostname: opt(['Hostname', 'Host Name']),
      fqdn: opt(['FQDN']),
      ipAddress: opt(['IP Address', 'IP']),
      macAddress: opt(['MAC Address', 'MAC']),
      manufacturer: opt('Manufacturer'),
      model: opt(['Model', 'Model Name']),
      modelNumber: opt('Model Number'),
      category: opt('Category'),
      company: opt('Company'),
      supplier: opt('Supplier'),
      orderNumber: opt('Order Number'),
      assetStatus: opt(['Status', 'Status Label']),
      purchaseDate: opt('Purchase Date', 'date'),
      purchaseCost: opt('Purchase Cost', 'number'),
      warrantyMonths: opt(['Warranty', 'Warranty Months'], 'integer'),
      eolDate: opt(['Asset EOL Date', 'EOL Date'], 'date'),
      description: opt(['Asset Notes', 'Notes']),
    },
    references: [
      {
        type: 'LOCATED_IN',
        target: [
          { column: 'Checked Out To: Location', identifier: 'locationId' },
          { column: 'Location', identifier: 'locationId' },
        ],
      },
      {
        type: 'ASSIGNED_TO',
        target: [
          { column: ['Checked Out To: Username', 'Username'], identifier: 'sAMAccountName' },
          { column: ['Checked Out To: Email', 'Email'], identifier: 'email' },
        ],
      },
    ],
  };
}

export const USERS_MAPPING: MappingInput = {
  source: SNIPEIT_SOURCE,
  class: 'User',
  key: ['Username', 'Email'],
  name: { join: ['First Name', 'Last Name'], separator: ' ' },
  attributes: {
    sAMAccountName: opt('Username'),
    email: opt('Email'),
    givenName: opt('First Name'),
    surname: opt('Last Name'),
    employeeId: opt(['Employee Number', 'Employee Num']),
    title: opt('Job Title'),
    department: opt('Department'),
    enabled: opt('Activated', 'boolean'),
    phone: opt('Phone'),
    website: opt('Website'),
    company: opt('Company'),
    location: opt('Location'),
    address: { column: { join: ['Address', 'City', 'State', 'Postal Code', 'Country'], separator: ', ' }, optional: true },
    manager: opt('Manager'),
    remote: opt('Remote', 'boolean'),
    vip: opt('VIP', 'boolean'),
    startDate: opt('Start Date', 'date'),
    endDate: opt('End Date', 'date'),
    description: opt('Notes'),
  },
};

export const LOCATIONS_MAPPING: MappingInput = {
  source: SNIPEIT_SOURCE,
  class: 'Location',
  key: 'Name',
  name: 'Name',
  attributes: {
    locationId: 'Name',
    address: { column: { join: ['Address', 'Address2', 'City', 'State', 'Zip', 'Country'], separator: ', ' }, optional: true },
    city: opt('City'),
    state: opt('State'),
    country: opt('Country'),
    zip: opt('Zip'),
    currency: opt('Currency'),
    manager: opt('Manager'),
  },
  references: [
    { type: 'LOCATED_IN', target: { column: ['Parent Location', 'Parent'], identifier: 'locationId' } },
    { type: 'MANAGED_BY', target: { column: 'Manager Username', identifier: 'sAMAccountName' } },
  ],
};

/** The built-in mapping of one kind of Snipe-IT export, validated. */
export function snipeitMapping(kind: SnipeitKind, options: AssetOptions = {}): Mapping {
  const input = kind === 'assets' ? assetsMapping(options) : kind === 'users' ? USERS_MAPPING : LOCATIONS_MAPPING;
  return compileMapping(input, `snipeit ${kind} mapping`);
}
