/** The frame-length decoder (stream-io.ts boundedLength): complete, incomplete, and never-completing prefixes. */
import assert from 'node:assert/strict'
import { Uint8ArrayList } from 'uint8arraylist'
import { boundedLength } from '../../src/protocols/stream-io.js'
import { InvalidMessageError } from '../../src/protocols/errors.js'

describe('boundedLength (frame length prefixes)', function () {
  const decode = boundedLength(16 * 1024 * 1024) // needs at most 4 bytes

  it('decodes minimal varints, from a list or an array', function () {
    assert.equal(decode(Uint8Array.from([0x00])), 0)
    assert.equal(decode(new Uint8ArrayList(Uint8Array.from([0xac]), Uint8Array.from([0x02]))), 300)
    assert.equal(decode(Uint8Array.from([0x80, 0x80, 0x80, 0x08])), 2 ** 24)
  })

  it('asks for more (RangeError) while a short prefix is incomplete', function () {
    assert.throws(() => decode(Uint8Array.from([0x80, 0x80])), RangeError)
  })

  it('fails with InvalidMessageError, not RangeError, once the prefix is longer than the largest frame needs', function () {
    assert.throws(() => decode(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80])), InvalidMessageError)
    assert.throws(() => decode(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), InvalidMessageError)
  })
})
