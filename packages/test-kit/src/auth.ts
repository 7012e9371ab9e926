/** HTTP Basic credentials: user name = platform name, password = platform key. */
export interface Credentials {
  name: string;
  key: string;
}

/** The `Authorization` value for a platform's name and key. */
export function basic(credentials: Credentials): string;
export function basic(name: string, key: string): string;
export function basic(nameOrCredentials: string | Credentials, key?: string): string {
  const { name, key: password } = typeof nameOrCredentials === 'string' ? { name: nameOrCredentials, key: key ?? '' } : nameOrCredentials;
  return `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
}
