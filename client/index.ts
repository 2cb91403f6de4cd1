export * from './flowscope-connection.ts';
export * from './rest-client.ts';
export * from './scenario-library-client.ts';
