import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var Acquire;
(function (Acquire) {
    let _codec;
    Acquire.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.id != null && obj.id !== '')) {
                    w.uint32(10);
                    w.string(obj.id);
                }
                if ((obj.baseRev != null && obj.baseRev !== 0n)) {
                    w.uint32(16);
                    w.uint64(obj.baseRev);
                }
                if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.ttlMs);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    id: '',
                    baseRev: 0n,
                    ttlMs: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.id = reader.string();
                            break;
                        }
                        case 2: {
                            obj.baseRev = reader.uint64();
                            break;
                        }
                        case 3: {
                            obj.ttlMs = reader.uint32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.id`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.baseRev`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.ttlMs`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Acquire.codec());
    }
    Acquire.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Acquire.codec(), opts);
    }
    Acquire.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Acquire.codec(), opts);
    }
    Acquire.stream = stream;
})(Acquire || (Acquire = {}));
export var Commit;
(function (Commit) {
    let _codec;
    Commit.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.id != null && obj.id !== '')) {
                    w.uint32(10);
                    w.string(obj.id);
                }
                if ((obj.token != null && obj.token.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.token);
                }
                if (obj.metadata != null) {
                    w.uint32(26);
                    w.bytes(obj.metadata);
                }
                if (obj.dataCid != null) {
                    w.uint32(34);
                    w.bytes(obj.dataCid);
                }
                if ((obj.dataSize != null && obj.dataSize !== 0n)) {
                    w.uint32(40);
                    w.uint64(obj.dataSize);
                }
                if ((obj.dropData != null && obj.dropData !== false)) {
                    w.uint32(48);
                    w.bool(obj.dropData);
                }
                if ((obj.delete != null && obj.delete !== false)) {
                    w.uint32(56);
                    w.bool(obj.delete);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    id: '',
                    token: uint8ArrayAlloc(0),
                    dataSize: 0n,
                    dropData: false,
                    delete: false
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.id = reader.string();
                            break;
                        }
                        case 2: {
                            obj.token = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.metadata = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.dataCid = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.dataSize = reader.uint64();
                            break;
                        }
                        case 6: {
                            obj.dropData = reader.bool();
                            break;
                        }
                        case 7: {
                            obj.delete = reader.bool();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.id`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.token`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.metadata`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.dataCid`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.dataSize`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.dropData`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.delete`,
                                value: reader.bool()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Commit.codec());
    }
    Commit.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Commit.codec(), opts);
    }
    Commit.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Commit.codec(), opts);
    }
    Commit.stream = stream;
})(Commit || (Commit = {}));
export var Release;
(function (Release) {
    let _codec;
    Release.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.id != null && obj.id !== '')) {
                    w.uint32(10);
                    w.string(obj.id);
                }
                if ((obj.token != null && obj.token.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.token);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    id: '',
                    token: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.id = reader.string();
                            break;
                        }
                        case 2: {
                            obj.token = reader.bytes();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.id`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.token`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Release.codec());
    }
    Release.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Release.codec(), opts);
    }
    Release.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Release.codec(), opts);
    }
    Release.stream = stream;
})(Release || (Release = {}));
export var LockRequest;
(function (LockRequest) {
    let _codec;
    LockRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.acquire != null) {
                    w.uint32(10);
                    Acquire.codec().encode(obj.acquire, w);
                }
                if (obj.commit != null) {
                    w.uint32(18);
                    Commit.codec().encode(obj.commit, w);
                }
                if (obj.release != null) {
                    w.uint32(26);
                    Release.codec().encode(obj.release, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {};
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.acquire = Acquire.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.acquire
                            });
                            break;
                        }
                        case 2: {
                            obj.commit = Commit.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.commit
                            });
                            break;
                        }
                        case 3: {
                            obj.release = Release.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.release
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield* Acquire.codec().stream(reader, reader.uint32(), `${prefix}.acquire`, {
                                limits: opts.limits?.acquire
                            });
                            break;
                        }
                        case 2: {
                            yield* Commit.codec().stream(reader, reader.uint32(), `${prefix}.commit`, {
                                limits: opts.limits?.commit
                            });
                            break;
                        }
                        case 3: {
                            yield* Release.codec().stream(reader, reader.uint32(), `${prefix}.release`, {
                                limits: opts.limits?.release
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, LockRequest.codec());
    }
    LockRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, LockRequest.codec(), opts);
    }
    LockRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, LockRequest.codec(), opts);
    }
    LockRequest.stream = stream;
})(LockRequest || (LockRequest = {}));
export var LockStatus;
(function (LockStatus) {
    LockStatus["GRANTED"] = "GRANTED";
    LockStatus["LOCKED"] = "LOCKED";
    LockStatus["OUTDATED"] = "OUTDATED";
    LockStatus["NOT_HOME"] = "NOT_HOME";
    LockStatus["NOT_FOUND"] = "NOT_FOUND";
    LockStatus["REFUSED"] = "REFUSED";
    LockStatus["COMMITTED"] = "COMMITTED";
    LockStatus["BAD_TOKEN"] = "BAD_TOKEN";
    LockStatus["QUOTA"] = "QUOTA";
    LockStatus["BAD_REQUEST"] = "BAD_REQUEST";
    LockStatus["DELETED"] = "DELETED";
    LockStatus["RELEASED"] = "RELEASED";
    LockStatus["ERROR"] = "ERROR";
})(LockStatus || (LockStatus = {}));
var __LockStatusValues;
(function (__LockStatusValues) {
    __LockStatusValues[__LockStatusValues["GRANTED"] = 0] = "GRANTED";
    __LockStatusValues[__LockStatusValues["LOCKED"] = 1] = "LOCKED";
    __LockStatusValues[__LockStatusValues["OUTDATED"] = 2] = "OUTDATED";
    __LockStatusValues[__LockStatusValues["NOT_HOME"] = 3] = "NOT_HOME";
    __LockStatusValues[__LockStatusValues["NOT_FOUND"] = 4] = "NOT_FOUND";
    __LockStatusValues[__LockStatusValues["REFUSED"] = 5] = "REFUSED";
    __LockStatusValues[__LockStatusValues["COMMITTED"] = 6] = "COMMITTED";
    __LockStatusValues[__LockStatusValues["BAD_TOKEN"] = 7] = "BAD_TOKEN";
    __LockStatusValues[__LockStatusValues["QUOTA"] = 8] = "QUOTA";
    __LockStatusValues[__LockStatusValues["BAD_REQUEST"] = 9] = "BAD_REQUEST";
    __LockStatusValues[__LockStatusValues["DELETED"] = 10] = "DELETED";
    __LockStatusValues[__LockStatusValues["RELEASED"] = 11] = "RELEASED";
    __LockStatusValues[__LockStatusValues["ERROR"] = 12] = "ERROR";
})(__LockStatusValues || (__LockStatusValues = {}));
(function (LockStatus) {
    LockStatus.codec = () => {
        return enumeration(__LockStatusValues);
    };
})(LockStatus || (LockStatus = {}));
export var LockResponse;
(function (LockResponse) {
    let _codec;
    LockResponse.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.status != null && __LockStatusValues[obj.status] !== 0) {
                    w.uint32(8);
                    LockStatus.codec().encode(obj.status, w);
                }
                if ((obj.message != null && obj.message !== '')) {
                    w.uint32(18);
                    w.string(obj.message);
                }
                if ((obj.token != null && obj.token.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.token);
                }
                if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.ttlMs);
                }
                if ((obj.holder != null && obj.holder !== '')) {
                    w.uint32(42);
                    w.string(obj.holder);
                }
                if ((obj.currentRev != null && obj.currentRev !== 0n)) {
                    w.uint32(48);
                    w.uint64(obj.currentRev);
                }
                if ((obj.record != null && obj.record.byteLength > 0)) {
                    w.uint32(58);
                    w.bytes(obj.record);
                }
                if ((obj.signature != null && obj.signature.byteLength > 0)) {
                    w.uint32(66);
                    w.bytes(obj.signature);
                }
                if ((obj.metadata != null && obj.metadata.byteLength > 0)) {
                    w.uint32(74);
                    w.bytes(obj.metadata);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    status: LockStatus.GRANTED,
                    message: '',
                    token: uint8ArrayAlloc(0),
                    ttlMs: 0,
                    holder: '',
                    currentRev: 0n,
                    record: uint8ArrayAlloc(0),
                    signature: uint8ArrayAlloc(0),
                    metadata: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.status = LockStatus.codec().decode(reader);
                            break;
                        }
                        case 2: {
                            obj.message = reader.string();
                            break;
                        }
                        case 3: {
                            obj.token = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.ttlMs = reader.uint32();
                            break;
                        }
                        case 5: {
                            obj.holder = reader.string();
                            break;
                        }
                        case 6: {
                            obj.currentRev = reader.uint64();
                            break;
                        }
                        case 7: {
                            obj.record = reader.bytes();
                            break;
                        }
                        case 8: {
                            obj.signature = reader.bytes();
                            break;
                        }
                        case 9: {
                            obj.metadata = reader.bytes();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.status`,
                                value: LockStatus.codec().decode(reader)
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.message`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.token`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.ttlMs`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.holder`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.currentRev`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.record`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 8: {
                            yield {
                                field: `${prefix}.signature`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 9: {
                            yield {
                                field: `${prefix}.metadata`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, LockResponse.codec());
    }
    LockResponse.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, LockResponse.codec(), opts);
    }
    LockResponse.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, LockResponse.codec(), opts);
    }
    LockResponse.stream = stream;
})(LockResponse || (LockResponse = {}));
//# sourceMappingURL=lock.js.map