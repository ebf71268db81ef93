import { databaseContractSuite } from '../../src/db/testing/contract.js';
import { serviceAvailable } from '../support/services.js';
import { dialectCases } from './dialects.js';

/** The exported contract suite (flowfull/testing) on every dialect this repository supports. */
for (const dialect of dialectCases()) {
  const skip = dialect.service ? !(await serviceAvailable(dialect.service)) : false;
  databaseContractSuite({ ...dialect, skip });
}
