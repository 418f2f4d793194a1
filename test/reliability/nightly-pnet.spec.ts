/**
 * S3 wrong-psk (reliability-battery.md: "if pnet"). Quire's libp2p host (src/node/create-libp2p.ts)
 * has no connection protector: no private-network pre-shared key, so there is nothing for a peer
 * with a wrong or missing PSK to fail against. Strangers are kept out at the encrypted-connection
 * gate instead (S1 untrusted-dial). Listed here so the row is not skipped silently.
 */
import { notRun } from './harness/tier.js'

describe('reliability S3: wrong PSK', function () {
  notRun('S3 wrong-psk', 'not applicable: no pnet (src/node/create-libp2p.ts sets no connectionProtector)')
})
