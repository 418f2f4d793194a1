import { InventoryService } from './inventory.js';
export { PROTOCOL } from './constants.js';
export function inventory(init) {
    return (components) => new InventoryService(components, init);
}
//# sourceMappingURL=index.js.map