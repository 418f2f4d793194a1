import { FileService } from './file.js';
export { PROTOCOL } from './constants.js';
export { FileStatus } from '../../../protocols/file.js';
export function fileTransfer(init) {
    return (components) => new FileService(components, init);
}
//# sourceMappingURL=index.js.map