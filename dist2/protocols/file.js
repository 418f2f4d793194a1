import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var FileRequest;
(function (FileRequest) {
    let _codec;
    FileRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.cid != null && obj.cid.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.cid);
                }
                if ((obj.offset != null && obj.offset !== 0n)) {
                    w.uint32(16);
                    w.uint64(obj.offset);
                }
                if (obj.record != null) {
                    w.uint32(26);
                    w.bytes(obj.record);
                }
                if (obj.signature != null) {
                    w.uint32(34);
                    w.bytes(obj.signature);
                }
                if ((obj.length != null && obj.length !== 0n)) {
                    w.uint32(40);
                    w.uint64(obj.length);
                }
                if ((obj.wantBlocks != null && obj.wantBlocks !== false)) {
                    w.uint32(48);
                    w.bool(obj.wantBlocks);
                }
                if (obj.batch != null && obj.batch.length > 0) {
                    for (const value of obj.batch) {
                        w.uint32(58);
                        w.bytes(value);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    cid: uint8ArrayAlloc(0),
                    offset: 0n,
                    length: 0n,
                    wantBlocks: false,
                    batch: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.cid = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.offset = reader.uint64();
                            break;
                        }
                        case 3: {
                            obj.record = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.signature = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.length = reader.uint64();
                            break;
                        }
                        case 6: {
                            obj.wantBlocks = reader.bool();
                            break;
                        }
                        case 7: {
                            if (opts.limits?.batch != null && obj.batch.length === opts.limits.batch) {
                                throw new MaxLengthError('Decode error - repeated field "batch" had too many elements');
                            }
                            obj.batch.push(reader.bytes());
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
                    batch: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.cid`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.offset`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.record`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.signature`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.length`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.wantBlocks`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 7: {
                            if (opts.limits?.batch != null && obj.batch === opts.limits.batch) {
                                throw new MaxLengthError('Streaming decode error - repeated field "batch" had too many elements');
                            }
                            yield {
                                field: `${prefix}.batch[]`,
                                index: obj.batch,
                                value: reader.bytes()
                            };
                            obj.batch++;
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
        return encodeMessage(obj, FileRequest.codec());
    }
    FileRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileRequest.codec(), opts);
    }
    FileRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileRequest.codec(), opts);
    }
    FileRequest.stream = stream;
})(FileRequest || (FileRequest = {}));
export var FileStatus;
(function (FileStatus) {
    FileStatus["OK"] = "OK";
    FileStatus["NOT_ELIGIBLE"] = "NOT_ELIGIBLE";
    FileStatus["NOT_FOUND"] = "NOT_FOUND";
    FileStatus["DAMAGED"] = "DAMAGED";
    FileStatus["BUSY"] = "BUSY";
    FileStatus["BAD_REQUEST"] = "BAD_REQUEST";
})(FileStatus || (FileStatus = {}));
var __FileStatusValues;
(function (__FileStatusValues) {
    __FileStatusValues[__FileStatusValues["OK"] = 0] = "OK";
    __FileStatusValues[__FileStatusValues["NOT_ELIGIBLE"] = 1] = "NOT_ELIGIBLE";
    __FileStatusValues[__FileStatusValues["NOT_FOUND"] = 2] = "NOT_FOUND";
    __FileStatusValues[__FileStatusValues["DAMAGED"] = 3] = "DAMAGED";
    __FileStatusValues[__FileStatusValues["BUSY"] = 4] = "BUSY";
    __FileStatusValues[__FileStatusValues["BAD_REQUEST"] = 5] = "BAD_REQUEST";
})(__FileStatusValues || (__FileStatusValues = {}));
(function (FileStatus) {
    FileStatus.codec = () => {
        return enumeration(__FileStatusValues);
    };
})(FileStatus || (FileStatus = {}));
export var FileResponse;
(function (FileResponse) {
    let _codec;
    FileResponse.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.status != null && __FileStatusValues[obj.status] !== 0) {
                    w.uint32(8);
                    FileStatus.codec().encode(obj.status, w);
                }
                if ((obj.size != null && obj.size !== 0n)) {
                    w.uint32(16);
                    w.uint64(obj.size);
                }
                if ((obj.message != null && obj.message !== '')) {
                    w.uint32(26);
                    w.string(obj.message);
                }
                if ((obj.blocks != null && obj.blocks.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.blocks);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    status: FileStatus.OK,
                    size: 0n,
                    message: '',
                    blocks: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.status = FileStatus.codec().decode(reader);
                            break;
                        }
                        case 2: {
                            obj.size = reader.uint64();
                            break;
                        }
                        case 3: {
                            obj.message = reader.string();
                            break;
                        }
                        case 4: {
                            obj.blocks = reader.bytes();
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
                                value: FileStatus.codec().decode(reader)
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.size`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.message`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.blocks`,
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
        return encodeMessage(obj, FileResponse.codec());
    }
    FileResponse.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileResponse.codec(), opts);
    }
    FileResponse.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileResponse.codec(), opts);
    }
    FileResponse.stream = stream;
})(FileResponse || (FileResponse = {}));
//# sourceMappingURL=file.js.map