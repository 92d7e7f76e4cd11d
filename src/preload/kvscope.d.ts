import type { KvscopeApi } from '@/contract/api';

declare global {
  interface Window {
    /** The preload's API (or, in the e2e bridge, the test harness's shim of it). */
    kvscope: KvscopeApi;
  }
}

export {};
