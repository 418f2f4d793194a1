import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var Entry;
(function (Entry) {
    let _codec;
    Entry.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.record != null && obj.record.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.record);
                }
                if ((obj.signature != null && obj.signature.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.signature);
                }
                if ((obj.metadata != null && obj.metadata.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.metadata);
                }
                if ((obj.dataOffered != null && obj.dataOffered !== false)) {
                    w.uint32(32);
                    w.bool(obj.dataOffered);
                }
                if (obj.seq != null) {
                    w.uint32(40);
                    w.uint64(obj.seq);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    record: uint8ArrayAlloc(0),
                    signature: uint8ArrayAlloc(0),
                    metadata: uint8ArrayAlloc(0),
                    dataOffered: false
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.record = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.signature = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.metadata = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.dataOffered = reader.bool();
                            break;
                        }
                        case 5: {
                            obj.seq = reader.uint64();
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
                                field: `${prefix}.record`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.signature`,
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
                                field: `${prefix}.dataOffered`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.seq`,
                                value: reader.uint64()
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
        return encodeMessage(obj, Entry.codec());
    }
    Entry.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Entry.codec(), opts);
    }
    Entry.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Entry.codec(), opts);
    }
    Entry.stream = stream;
})(Entry || (Entry = {}));
export var Push;
(function (Push) {
    let _codec;
    Push.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.entries != null && obj.entries.length > 0) {
                    for (const value of obj.entries) {
                        w.uint32(10);
                        Entry.codec().encode(value, w);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    entries: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements');
                            }
                            obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.entries$
                            }));
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
                const obj = {
                    entries: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements');
                            }
                            for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                                limits: opts.limits?.entries$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.entries
                                };
                            }
                            obj.entries++;
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
        return encodeMessage(obj, Push.codec());
    }
    Push.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Push.codec(), opts);
    }
    Push.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Push.codec(), opts);
    }
    Push.stream = stream;
})(Push || (Push = {}));
export var Pull;
(function (Pull) {
    let _codec;
    Pull.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.epoch != null && obj.epoch !== '')) {
                    w.uint32(10);
                    w.string(obj.epoch);
                }
                if ((obj.since != null && obj.since !== 0n)) {
                    w.uint32(16);
                    w.uint64(obj.since);
                }
                if (obj.namespaces != null && obj.namespaces.length > 0) {
                    for (const value of obj.namespaces) {
                        w.uint32(26);
                        w.string(value);
                    }
                }
                if ((obj.limit != null && obj.limit !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.limit);
                }
                if ((obj.policy != null && obj.policy !== 0n)) {
                    w.uint32(40);
                    w.uint64(obj.policy);
                }
                if ((obj.recovering != null && obj.recovering !== false)) {
                    w.uint32(48);
                    w.bool(obj.recovering);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    epoch: '',
                    since: 0n,
                    namespaces: [],
                    limit: 0,
                    policy: 0n,
                    recovering: false
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.epoch = reader.string();
                            break;
                        }
                        case 2: {
                            obj.since = reader.uint64();
                            break;
                        }
                        case 3: {
                            if (opts.limits?.namespaces != null && obj.namespaces.length === opts.limits.namespaces) {
                                throw new MaxLengthError('Decode error - repeated field "namespaces" had too many elements');
                            }
                            obj.namespaces.push(reader.string());
                            break;
                        }
                        case 4: {
                            obj.limit = reader.uint32();
                            break;
                        }
                        case 5: {
                            obj.policy = reader.uint64();
                            break;
                        }
                        case 6: {
                            obj.recovering = reader.bool();
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
                const obj = {
                    namespaces: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.epoch`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.since`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 3: {
                            if (opts.limits?.namespaces != null && obj.namespaces === opts.limits.namespaces) {
                                throw new MaxLengthError('Streaming decode error - repeated field "namespaces" had too many elements');
                            }
                            yield {
                                field: `${prefix}.namespaces[]`,
                                index: obj.namespaces,
                                value: reader.string()
                            };
                            obj.namespaces++;
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.limit`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.policy`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.recovering`,
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
        return encodeMessage(obj, Pull.codec());
    }
    Pull.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Pull.codec(), opts);
    }
    Pull.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Pull.codec(), opts);
    }
    Pull.stream = stream;
})(Pull || (Pull = {}));
export var Request;
(function (Request) {
    let _codec;
    Request.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.push != null) {
                    w.uint32(10);
                    Push.codec().encode(obj.push, w);
                }
                if (obj.pull != null) {
                    w.uint32(18);
                    Pull.codec().encode(obj.pull, w);
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
                            obj.push = Push.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.push
                            });
                            break;
                        }
                        case 2: {
                            obj.pull = Pull.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.pull
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
                            yield* Push.codec().stream(reader, reader.uint32(), `${prefix}.push`, {
                                limits: opts.limits?.push
                            });
                            break;
                        }
                        case 2: {
                            yield* Pull.codec().stream(reader, reader.uint32(), `${prefix}.pull`, {
                                limits: opts.limits?.pull
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
        return encodeMessage(obj, Request.codec());
    }
    Request.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Request.codec(), opts);
    }
    Request.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Request.codec(), opts);
    }
    Request.stream = stream;
})(Request || (Request = {}));
export var Outcome;
(function (Outcome) {
    Outcome["STORED"] = "STORED";
    Outcome["DUPLICATE"] = "DUPLICATE";
    Outcome["REJECTED"] = "REJECTED";
    Outcome["FAILED"] = "FAILED";
})(Outcome || (Outcome = {}));
var __OutcomeValues;
(function (__OutcomeValues) {
    __OutcomeValues[__OutcomeValues["STORED"] = 0] = "STORED";
    __OutcomeValues[__OutcomeValues["DUPLICATE"] = 1] = "DUPLICATE";
    __OutcomeValues[__OutcomeValues["REJECTED"] = 2] = "REJECTED";
    __OutcomeValues[__OutcomeValues["FAILED"] = 3] = "FAILED";
})(__OutcomeValues || (__OutcomeValues = {}));
(function (Outcome) {
    Outcome.codec = () => {
        return enumeration(__OutcomeValues);
    };
})(Outcome || (Outcome = {}));
export var Verdict;
(function (Verdict) {
    let _codec;
    Verdict.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.outcome != null && __OutcomeValues[obj.outcome] !== 0) {
                    w.uint32(8);
                    Outcome.codec().encode(obj.outcome, w);
                }
                if ((obj.reason != null && obj.reason !== '')) {
                    w.uint32(18);
                    w.string(obj.reason);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    outcome: Outcome.STORED,
                    reason: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.outcome = Outcome.codec().decode(reader);
                            break;
                        }
                        case 2: {
                            obj.reason = reader.string();
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
                                field: `${prefix}.outcome`,
                                value: Outcome.codec().decode(reader)
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.reason`,
                                value: reader.string()
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
        return encodeMessage(obj, Verdict.codec());
    }
    Verdict.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Verdict.codec(), opts);
    }
    Verdict.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Verdict.codec(), opts);
    }
    Verdict.stream = stream;
})(Verdict || (Verdict = {}));
export var Batch;
(function (Batch) {
    let _codec;
    Batch.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.entries != null && obj.entries.length > 0) {
                    for (const value of obj.entries) {
                        w.uint32(10);
                        Entry.codec().encode(value, w);
                    }
                }
                if ((obj.epoch != null && obj.epoch !== '')) {
                    w.uint32(18);
                    w.string(obj.epoch);
                }
                if ((obj.upTo != null && obj.upTo !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.upTo);
                }
                if ((obj.more != null && obj.more !== false)) {
                    w.uint32(32);
                    w.bool(obj.more);
                }
                if ((obj.policy != null && obj.policy !== 0n)) {
                    w.uint32(40);
                    w.uint64(obj.policy);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    entries: [],
                    epoch: '',
                    upTo: 0n,
                    more: false,
                    policy: 0n
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements');
                            }
                            obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.entries$
                            }));
                            break;
                        }
                        case 2: {
                            obj.epoch = reader.string();
                            break;
                        }
                        case 3: {
                            obj.upTo = reader.uint64();
                            break;
                        }
                        case 4: {
                            obj.more = reader.bool();
                            break;
                        }
                        case 5: {
                            obj.policy = reader.uint64();
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
                const obj = {
                    entries: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements');
                            }
                            for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                                limits: opts.limits?.entries$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.entries
                                };
                            }
                            obj.entries++;
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.epoch`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.upTo`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.more`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.policy`,
                                value: reader.uint64()
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
        return encodeMessage(obj, Batch.codec());
    }
    Batch.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Batch.codec(), opts);
    }
    Batch.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Batch.codec(), opts);
    }
    Batch.stream = stream;
})(Batch || (Batch = {}));
export var Status;
(function (Status) {
    Status["OK"] = "OK";
    Status["BAD_REQUEST"] = "BAD_REQUEST";
    Status["ERROR"] = "ERROR";
})(Status || (Status = {}));
var __StatusValues;
(function (__StatusValues) {
    __StatusValues[__StatusValues["OK"] = 0] = "OK";
    __StatusValues[__StatusValues["BAD_REQUEST"] = 1] = "BAD_REQUEST";
    __StatusValues[__StatusValues["ERROR"] = 2] = "ERROR";
})(__StatusValues || (__StatusValues = {}));
(function (Status) {
    Status.codec = () => {
        return enumeration(__StatusValues);
    };
})(Status || (Status = {}));
export var Response;
(function (Response) {
    let _codec;
    Response.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.status != null && __StatusValues[obj.status] !== 0) {
                    w.uint32(8);
                    Status.codec().encode(obj.status, w);
                }
                if ((obj.message != null && obj.message !== '')) {
                    w.uint32(18);
                    w.string(obj.message);
                }
                if (obj.verdicts != null && obj.verdicts.length > 0) {
                    for (const value of obj.verdicts) {
                        w.uint32(26);
                        Verdict.codec().encode(value, w);
                    }
                }
                if (obj.batch != null) {
                    w.uint32(34);
                    Batch.codec().encode(obj.batch, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    status: Status.OK,
                    message: '',
                    verdicts: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.status = Status.codec().decode(reader);
                            break;
                        }
                        case 2: {
                            obj.message = reader.string();
                            break;
                        }
                        case 3: {
                            if (opts.limits?.verdicts != null && obj.verdicts.length === opts.limits.verdicts) {
                                throw new MaxLengthError('Decode error - repeated field "verdicts" had too many elements');
                            }
                            obj.verdicts.push(Verdict.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.verdicts$
                            }));
                            break;
                        }
                        case 4: {
                            obj.batch = Batch.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.batch
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
                const obj = {
                    verdicts: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.status`,
                                value: Status.codec().decode(reader)
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
                            if (opts.limits?.verdicts != null && obj.verdicts === opts.limits.verdicts) {
                                throw new MaxLengthError('Streaming decode error - repeated field "verdicts" had too many elements');
                            }
                            for (const evt of Verdict.codec().stream(reader, reader.uint32(), `${prefix}.verdicts[]`, {
                                limits: opts.limits?.verdicts$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.verdicts
                                };
                            }
                            obj.verdicts++;
                            break;
                        }
                        case 4: {
                            yield* Batch.codec().stream(reader, reader.uint32(), `${prefix}.batch`, {
                                limits: opts.limits?.batch
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
        return encodeMessage(obj, Response.codec());
    }
    Response.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Response.codec(), opts);
    }
    Response.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Response.codec(), opts);
    }
    Response.stream = stream;
})(Response || (Response = {}));
//# sourceMappingURL=inventory.js.map