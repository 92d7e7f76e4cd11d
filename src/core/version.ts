/** kvscope's version, kept equal to package.json's by a test. */
export const KVSCOPE_VERSION = '0.1.0';
