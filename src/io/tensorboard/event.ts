// TensorBoard's Event protocol buffer (tensorflow/core/util/event.proto and
// tensorflow/core/framework/summary.proto), the fields myelin writes and reads:
//
//   message Event   { double wall_time = 1; int64 step = 2;
//                     oneof what { string file_version = 3; Summary summary = 5; ... } }
//   message Summary { repeated Value value = 1;
//     message Value { string tag = 1; oneof value { float simple_value = 2; Image image = 4; ... } }
//     message Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; } }
//
// Colorspace: 1 grayscale, 2 grayscale + alpha, 3 RGB, 4 RGBA.

import { ProtoWriter, fieldDouble, fieldFloat, fieldInt, fieldString, readFields } from './protobuf.js';

export const FILE_VERSION = 'brain.Event:2';

export interface SummaryImage {
  height: number;
  width: number;
  colorspace: number;
  /** PNG bytes. */
  encodedImageString: Uint8Array;
}

export interface SummaryValue {
  tag: string;
  simpleValue?: number;
  image?: SummaryImage;
}

export interface TbEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: { values: SummaryValue[] };
}

export function encodeEvent(event: TbEvent): Uint8Array {
  const w = new ProtoWriter().double(1, event.wallTime);
  // proto3 leaves a zero scalar out of the encoding, as TensorFlow's writer does.
  if (event.step !== 0) w.varint(2, event.step);
  if (event.fileVersion !== undefined) w.string(3, event.fileVersion);
  if (event.summary) {
    const s = new ProtoWriter();
    for (const v of event.summary.values) {
      const pv = new ProtoWriter().string(1, v.tag);
      if (v.simpleValue !== undefined) pv.float(2, v.simpleValue);
      if (v.image) {
        const im = new ProtoWriter().varint(1, v.image.height).varint(2, v.image.width).varint(3, v.image.colorspace)
          .bytes(4, v.image.encodedImageString);
        pv.message(4, im);
      }
      s.message(1, pv);
    }
    w.message(5, s);
  }
  return w.finish();
}

function decodeImage(bytes: Uint8Array): SummaryImage {
  const img: SummaryImage = { height: 0, width: 0, colorspace: 0, encodedImageString: new Uint8Array(0) };
  for (const f of readFields(bytes, 'Summary.Image')) {
    if (f.field === 1 && f.wire === 0) img.height = fieldInt(f);
    else if (f.field === 2 && f.wire === 0) img.width = fieldInt(f);
    else if (f.field === 3 && f.wire === 0) img.colorspace = fieldInt(f);
    else if (f.field === 4 && f.wire === 2) img.encodedImageString = f.bytes!.slice();
  }
  return img;
}

function decodeValue(bytes: Uint8Array): SummaryValue {
  const v: SummaryValue = { tag: '' };
  for (const f of readFields(bytes, 'Summary.Value')) {
    if (f.field === 1 && f.wire === 2) v.tag = fieldString(f);
    else if (f.field === 2 && f.wire === 5) v.simpleValue = fieldFloat(f);
    else if (f.field === 4 && f.wire === 2) v.image = decodeImage(f.bytes!);
  }
  return v;
}

/** Decodes an Event; fields myelin does not use are skipped, wrong wire types are errors. */
export function decodeEvent(bytes: Uint8Array): TbEvent {
  const e: TbEvent = { wallTime: 0, step: 0 };
  for (const f of readFields(bytes, 'Event')) {
    const expect = (wire: number, name: string) => {
      if (f.wire !== wire) throw new Error(`Event.${name} (field ${f.field}) has wire type ${f.wire}, expected ${wire}`);
    };
    switch (f.field) {
      case 1: expect(1, 'wall_time'); e.wallTime = fieldDouble(f); break;
      case 2: expect(0, 'step'); e.step = fieldInt(f); break;
      case 3: expect(2, 'file_version'); e.fileVersion = fieldString(f); break;
      case 5: {
        expect(2, 'summary');
        const values = readFields(f.bytes!, 'Summary').filter((s) => s.field === 1 && s.wire === 2).map((s) => decodeValue(s.bytes!));
        e.summary = { values };
        break;
      }
      default: break;
    }
  }
  return e;
}
