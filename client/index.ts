export * from './flowscope-connection.ts';
export * from './rest-client.ts';
