import { LockService } from './lock.js';
export { PROTOCOL } from './constants.js';
export { LockStatus } from '../../../protocols/lock.js';
export function lockService(init) {
    return (components) => new LockService(components, init);
}
//# sourceMappingURL=index.js.map