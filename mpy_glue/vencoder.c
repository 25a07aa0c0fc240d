// `_vencoder`: the native half of media.vencoder. Argument conversion and exceptions
// only; the driver, its checks and all state live in the Rust library (vencoder_ffi.h).
// The Python classes of the manual are in modules/media/vencoder.py.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/runtime.h"
#include "py/mphal.h"
#include "venc_glue.h"

// ---- runtime hooks of the Rust library (allocator, panic) -------------------------
// Rust memory comes from the C heap, never from the GC heap: the GC does not scan it.

uint8_t *venc_rt_alloc(size_t size, size_t align) {
    void *p = NULL;
    if (align <= sizeof(void *) * 2) {
        return malloc(size);
    }
    return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

void venc_rt_free(uint8_t *ptr, size_t size, size_t align) {
    (void)size;
    (void)align;
    free(ptr);
}

void venc_rt_panic(const uint8_t *msg, size_t len) {
    fprintf(stderr, "canmv_vencoder: internal error: %.*s\n", (int)len, (const char *)msg);
    abort();
}

// ---- shared helpers ------------------------------------------------------------------

void venc_glue_check(const VencStatus *st) {
    switch (st->exc) {
        case VENC_EXC_NONE:
            return;
        case VENC_EXC_VALUE_ERROR:
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), st->message);
        case VENC_EXC_MEMORY_ERROR:
            mp_raise_msg_varg(&mp_type_MemoryError, MP_ERROR_TEXT("%s"), st->message);
        default: {
            mp_obj_t args[2] = {
                mp_obj_new_int(st->code),
                mp_obj_new_str(st->message, strlen(st->message)),
            };
            nlr_raise(mp_obj_new_exception_args(&mp_type_OSError, 2, args));
        }
    }
}

mp_int_t venc_glue_int(mp_obj_t value, const char *what) {
    if (!mp_obj_is_int(value)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s must be an int, not %s"), what, mp_obj_get_type_str(value));
    }
    return mp_obj_get_int(value);
}

static mp_int_t chn_arg(mp_obj_t chn) {
    return venc_glue_int(chn, "chn");
}

// Waiting happens here, not in Rust: the interpreter must handle Ctrl-C and other
// pending events while a call waits for a stream or a free output buffer.
// Returns the final status code; raises for real errors and for a wait that could
// never end (-1 with nothing that can produce).
typedef int32_t (*venc_poll_fn)(void *ctx, VencStatus *st);

static int32_t wait_until_ready(venc_poll_fn poll, void *ctx, mp_int_t timeout_ms, const char *never_ready) {
    VencStatus st;
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        int32_t code = poll(ctx, &st);
        if (st.exc != VENC_EXC_WOULD_BLOCK) {
            venc_glue_check(&st);
            return code;
        }
        if (timeout_ms == 0) {
            return code;
        }
        if (timeout_ms < 0) {
            // The simulator encodes synchronously: nothing that is not ready now becomes
            // ready by waiting (unless another thread sends), so say so instead of hanging.
            mp_obj_t args[2] = {mp_obj_new_int(code), mp_obj_new_str(never_ready, strlen(never_ready))};
            nlr_raise(mp_obj_new_exception_args(&mp_type_OSError, 2, args));
        }
        if ((mp_int_t)(mp_hal_ticks_ms() - start) >= timeout_ms) {
            return code;
        }
        mp_hal_delay_ms(1);
    }
}

// ---- module functions ------------------------------------------------------------------

static mp_obj_t vencoder_set_out_bufs(size_t n_args, const mp_obj_t *args) {
    VencStatus st;
    venc_set_out_bufs(chn_arg(args[0]), venc_glue_int(args[1], "buf_num"), venc_glue_int(args[2], "width"),
        venc_glue_int(args[3], "height"), &st);
    venc_glue_check(&st);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(vencoder_set_out_bufs_obj, 4, 4, vencoder_set_out_bufs);

// Attribute names of ChnAttrStr, in the order of ChnAttrRequest's fields.
static const qstr chn_attr_fields[] = {
    MP_QSTR_payload_type, MP_QSTR_profile, MP_QSTR_pic_width, MP_QSTR_pic_height, MP_QSTR_gop_len,
    MP_QSTR_bit_rate, MP_QSTR_src_frame_rate, MP_QSTR_dst_frame_rate, MP_QSTR_mjpeg_quality_factor,
    MP_QSTR_rc_mode, MP_QSTR_max_bit_rate, MP_QSTR_i_qp, MP_QSTR_p_qp,
};

static mp_obj_t vencoder_create(mp_obj_t chn, mp_obj_t attr_obj) {
    ChnAttrRequest req;
    uint32_t *fields = (uint32_t *)&req;
    MP_STATIC_ASSERT(sizeof(req) == sizeof(chn_attr_fields) / sizeof(chn_attr_fields[0]) * sizeof(uint32_t));
    for (size_t i = 0; i < MP_ARRAY_SIZE(chn_attr_fields); i++) {
        mp_obj_t dest[2];
        mp_load_method_maybe(attr_obj, chn_attr_fields[i], dest);
        if (dest[0] == MP_OBJ_NULL) {
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("chnAttr has no attribute '%q': pass a ChnAttrStr"),
                chn_attr_fields[i]);
        }
        mp_int_t v = venc_glue_int(dest[0], qstr_str(chn_attr_fields[i]));
        // Negative numbers become huge ones and are refused by the range checks in Rust.
        fields[i] = v < 0 || v > (mp_int_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    }
    VencStatus st;
    venc_create(chn_arg(chn), &req, &st);
    venc_glue_check(&st);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_2(vencoder_create_obj, vencoder_create);

#define VENC_CHN_CALL(py_name, rust_fn)                          \
    static mp_obj_t vencoder_##py_name(mp_obj_t chn) {           \
        VencStatus st;                                           \
        rust_fn(chn_arg(chn), &st);                              \
        venc_glue_check(&st);                                    \
        return MP_OBJ_NEW_SMALL_INT(0);                          \
    }                                                            \
    static MP_DEFINE_CONST_FUN_OBJ_1(vencoder_##py_name##_obj, vencoder_##py_name)

VENC_CHN_CALL(start, venc_start);
VENC_CHN_CALL(stop, venc_stop);
VENC_CHN_CALL(destroy, venc_destroy);
VENC_CHN_CALL(request_idr, venc_request_idr);

struct send_ctx {
    mp_int_t chn;
    const KVideoFrameInfo *info;
    int32_t timeout;
};

static int32_t send_poll(void *ctx, VencStatus *st) {
    struct send_ctx *c = ctx;
    return venc_send_frame(c->chn, c->info, c->timeout, st);
}

static mp_obj_t vencoder_send_frame(mp_obj_t chn, mp_obj_t frame_info, mp_obj_t timeout) {
    mp_buffer_info_t buf;
    if (!mp_get_buffer(frame_info, &buf, MP_BUFFER_READ) || buf.len < sizeof(KVideoFrameInfo)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("frame_info must be a k_video_frame_info (%d bytes)"),
            (int)sizeof(KVideoFrameInfo));
    }
    struct send_ctx ctx = {chn_arg(chn), buf.buf, (int32_t)venc_glue_int(timeout, "timeout")};
    int32_t code = wait_until_ready(send_poll, &ctx, ctx.timeout,
        "SendFrame would wait forever: every output buffer holds a stream; ReleaseStream them");
    return mp_obj_new_int(code);
}
static MP_DEFINE_CONST_FUN_OBJ_3(vencoder_send_frame_obj, vencoder_send_frame);

struct get_ctx {
    mp_int_t chn;
    VencStreamOut *out;
    int32_t timeout;
};

static int32_t get_poll(void *ctx, VencStatus *st) {
    struct get_ctx *c = ctx;
    return venc_get_stream(c->chn, c->out, c->timeout, st);
}

static mp_obj_t list_attr(mp_obj_t obj, qstr name, size_t min_len) {
    mp_obj_t list = mp_load_attr(obj, name);
    if (!mp_obj_is_type(list, &mp_type_list)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("StreamData.%q must be a list"), name);
    }
    size_t len;
    mp_obj_t *items;
    mp_obj_list_get(list, &len, &items);
    if (len < min_len) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("StreamData.%q holds %d entries, needs %d"), name, (int)len,
            (int)min_len);
    }
    return list;
}

// get_stream(chn, stream_data, timeout) -> 0, or the K230 code when the wait timed out
static mp_obj_t vencoder_get_stream(mp_obj_t chn, mp_obj_t stream, mp_obj_t timeout) {
    static const qstr lists[] = {MP_QSTR_data, MP_QSTR_data_size, MP_QSTR_stream_type, MP_QSTR_phy_addr, MP_QSTR_pts};
    mp_obj_t targets[MP_ARRAY_SIZE(lists)];
    for (size_t i = 0; i < MP_ARRAY_SIZE(lists); i++) {
        targets[i] = list_attr(stream, lists[i], (mp_int_t)MP_ARRAY_SIZE(((VencStreamOut *)0)->packs));
    }
    VencStreamOut out;
    struct get_ctx ctx = {chn_arg(chn), &out, (int32_t)venc_glue_int(timeout, "timeout")};
    int32_t code = wait_until_ready(get_poll, &ctx, ctx.timeout,
        "GetStream would wait forever: no frame was sent and no running sensor is bound to this channel");
    for (size_t i = 0; i < out.pack_cnt; i++) {
        const VencPackOut *p = &out.packs[i];
        mp_obj_t values[MP_ARRAY_SIZE(lists)] = {
            mp_obj_new_int_from_uint(p->virt_addr), mp_obj_new_int_from_uint(p->len),
            mp_obj_new_int_from_uint(p->stream_type), mp_obj_new_int_from_ull(p->phys_addr),
            mp_obj_new_int_from_ull(p->pts),
        };
        for (size_t f = 0; f < MP_ARRAY_SIZE(lists); f++) {
            mp_obj_list_store(targets[f], MP_OBJ_NEW_SMALL_INT(i), values[f]);
        }
    }
    mp_store_attr(stream, MP_QSTR_pack_cnt, MP_OBJ_NEW_SMALL_INT(out.pack_cnt));
    return mp_obj_new_int(code);
}
static MP_DEFINE_CONST_FUN_OBJ_3(vencoder_get_stream_obj, vencoder_get_stream);

static mp_obj_t vencoder_release_stream(mp_obj_t chn, mp_obj_t stream) {
    mp_int_t count = venc_glue_int(mp_load_attr(stream, MP_QSTR_pack_cnt), "StreamData.pack_cnt");
    if (count < 0 || count > (mp_int_t)MP_ARRAY_SIZE(((VencStreamOut *)0)->packs)) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("StreamData.pack_cnt = %d is outside 0..%d"), (int)count,
            (mp_int_t)MP_ARRAY_SIZE(((VencStreamOut *)0)->packs));
    }
    mp_obj_t list = list_attr(stream, MP_QSTR_phy_addr, count);
    uint64_t phys[(mp_int_t)MP_ARRAY_SIZE(((VencStreamOut *)0)->packs)];
    for (mp_int_t i = 0; i < count; i++) {
        mp_obj_t v = mp_obj_subscr(list, MP_OBJ_NEW_SMALL_INT(i), MP_OBJ_SENTINEL);
        phys[i] = (uint64_t)mp_obj_int_get_uint_checked(v);
    }
    VencStatus st;
    venc_release_stream(chn_arg(chn), phys, (uint32_t)count, &st);
    venc_glue_check(&st);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_2(vencoder_release_stream_obj, vencoder_release_stream);

// send_user_data(chn, data, uuid or None)
static mp_obj_t vencoder_send_user_data(mp_obj_t chn, mp_obj_t data, mp_obj_t uuid) {
    mp_buffer_info_t d, u = {.buf = NULL, .len = 0};
    mp_get_buffer_raise(data, &d, MP_BUFFER_READ);
    if (uuid != mp_const_none) {
        mp_get_buffer_raise(uuid, &u, MP_BUFFER_READ);
        if (u.len != 16) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("uuid must be 16 bytes, not %d"), (int)u.len);
        }
    }
    VencStatus st;
    venc_send_user_data(chn_arg(chn), u.buf, d.buf, d.len, &st);
    venc_glue_check(&st);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_3(vencoder_send_user_data_obj, vencoder_send_user_data);

// nal_units(buf, payload_type) -> [(offset, size, nal_type, name), ...]
static mp_obj_t vencoder_nal_units(mp_obj_t buf_obj, mp_obj_t payload_type) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(buf_obj, &buf, MP_BUFFER_READ);
    uint32_t pt = (uint32_t)venc_glue_int(payload_type, "payload_type");
    mp_obj_t list = mp_obj_new_list(0, NULL);
    size_t cursor = 0;
    VencNalInfo nal;
    VencStatus st;
    while (venc_nal_next(buf.buf, buf.len, pt, &cursor, &nal, &st) == 1) {
        size_t name_len;
        const uint8_t *name = venc_nal_type_name(pt, nal.nal_type, &name_len);
        mp_obj_t item[4] = {
            mp_obj_new_int_from_uint(nal.offset), mp_obj_new_int_from_uint(nal.size),
            MP_OBJ_NEW_SMALL_INT(nal.nal_type), mp_obj_new_str((const char *)name, name_len),
        };
        mp_obj_list_append(list, mp_obj_new_tuple(4, item));
    }
    venc_glue_check(&st);
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_2(vencoder_nal_units_obj, vencoder_nal_units);

// sei_messages(nal, payload_type) -> [(payload_type, payload bytes), ...]
static mp_obj_t vencoder_sei_messages(mp_obj_t nal_obj, mp_obj_t payload_type) {
    mp_buffer_info_t nal;
    mp_get_buffer_raise(nal_obj, &nal, MP_BUFFER_READ);
    uint32_t pt = (uint32_t)venc_glue_int(payload_type, "payload_type");
    // The unescaped payload is never longer than the NAL unit.
    byte *scratch = m_new(byte, nal.len + 1);
    VencSeiMsg msgs[16];
    size_t count;
    VencStatus st;
    venc_sei_messages(nal.buf, nal.len, pt, scratch, nal.len + 1, msgs, MP_ARRAY_SIZE(msgs), &count, &st);
    if (st.exc == VENC_EXC_NONE && count > MP_ARRAY_SIZE(msgs)) {
        // Rare: more messages than the stack array holds; list them all on a second pass.
        VencSeiMsg *all = m_new(VencSeiMsg, count);
        venc_sei_messages(nal.buf, nal.len, pt, scratch, nal.len + 1, all, count, &count, &st);
        mp_obj_t list = mp_obj_new_list(0, NULL);
        for (size_t i = 0; i < count; i++) {
            mp_obj_t item[2] = {mp_obj_new_int_from_uint(all[i].payload_type),
                                mp_obj_new_bytes(scratch + all[i].offset, all[i].size)};
            mp_obj_list_append(list, mp_obj_new_tuple(2, item));
        }
        m_del(VencSeiMsg, all, count);
        m_del(byte, scratch, nal.len + 1);
        return list;
    }
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (size_t i = 0; st.exc == VENC_EXC_NONE && i < count; i++) {
        mp_obj_t item[2] = {mp_obj_new_int_from_uint(msgs[i].payload_type),
                            mp_obj_new_bytes(scratch + msgs[i].offset, msgs[i].size)};
        mp_obj_list_append(list, mp_obj_new_tuple(2, item));
    }
    m_del(byte, scratch, nal.len + 1);
    venc_glue_check(&st);
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_2(vencoder_sei_messages_obj, vencoder_sei_messages);

// ide_compress(frame_info, quality): JPEG-encode on channel 3 into the IDE frame buffer
static mp_obj_t vencoder_ide_compress(mp_obj_t frame_info, mp_obj_t quality) {
    mp_buffer_info_t buf;
    if (!mp_get_buffer(frame_info, &buf, MP_BUFFER_READ) || buf.len < sizeof(KVideoFrameInfo)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("frame_info must be a k_video_frame_info (%d bytes)"),
            (int)sizeof(KVideoFrameInfo));
    }
    VencStatus st;
    venc_ide_compress(buf.buf, venc_glue_int(quality, "quality"), &st);
    venc_glue_check(&st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(vencoder_ide_compress_obj, vencoder_ide_compress);

// ide_frame() -> (seq, width, height, jpeg bytes), or None before the first picture
static mp_obj_t vencoder_ide_frame(void) {
    VencIdeFrame info;
    VencStatus st;
    venc_ide_frame(NULL, 0, &info, &st);
    venc_glue_check(&st);
    for (;;) {
        if (info.seq == 0) {
            return mp_const_none;
        }
        vstr_t jpeg;
        vstr_init_len(&jpeg, info.len);
        size_t cap = info.len;
        venc_ide_frame((uint8_t *)jpeg.buf, cap, &info, &st);
        venc_glue_check(&st);
        if (info.len <= cap) {
            // Another thread may have published a smaller picture in between.
            jpeg.len = info.len;
            mp_obj_t items[4] = {mp_obj_new_int_from_ull(info.seq), mp_obj_new_int_from_uint(info.width),
                                 mp_obj_new_int_from_uint(info.height), mp_obj_new_bytes_from_vstr(&jpeg)};
            return mp_obj_new_tuple(4, items);
        }
        vstr_clear(&jpeg);
    }
}
static MP_DEFINE_CONST_FUN_OBJ_0(vencoder_ide_frame_obj, vencoder_ide_frame);

static mp_obj_t vencoder_ide_release(void) {
    VencStatus st;
    venc_ide_release(&st);
    venc_glue_check(&st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(vencoder_ide_release_obj, vencoder_ide_release);

static const mp_rom_map_elem_t vencoder_globals_table[] = {
    {MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__vencoder)},
    {MP_ROM_QSTR(MP_QSTR_set_out_bufs), MP_ROM_PTR(&vencoder_set_out_bufs_obj)},
    {MP_ROM_QSTR(MP_QSTR_create), MP_ROM_PTR(&vencoder_create_obj)},
    {MP_ROM_QSTR(MP_QSTR_start), MP_ROM_PTR(&vencoder_start_obj)},
    {MP_ROM_QSTR(MP_QSTR_stop), MP_ROM_PTR(&vencoder_stop_obj)},
    {MP_ROM_QSTR(MP_QSTR_destroy), MP_ROM_PTR(&vencoder_destroy_obj)},
    {MP_ROM_QSTR(MP_QSTR_request_idr), MP_ROM_PTR(&vencoder_request_idr_obj)},
    {MP_ROM_QSTR(MP_QSTR_send_frame), MP_ROM_PTR(&vencoder_send_frame_obj)},
    {MP_ROM_QSTR(MP_QSTR_get_stream), MP_ROM_PTR(&vencoder_get_stream_obj)},
    {MP_ROM_QSTR(MP_QSTR_release_stream), MP_ROM_PTR(&vencoder_release_stream_obj)},
    {MP_ROM_QSTR(MP_QSTR_send_user_data), MP_ROM_PTR(&vencoder_send_user_data_obj)},
    {MP_ROM_QSTR(MP_QSTR_nal_units), MP_ROM_PTR(&vencoder_nal_units_obj)},
    {MP_ROM_QSTR(MP_QSTR_sei_messages), MP_ROM_PTR(&vencoder_sei_messages_obj)},
    {MP_ROM_QSTR(MP_QSTR_ide_compress), MP_ROM_PTR(&vencoder_ide_compress_obj)},
    {MP_ROM_QSTR(MP_QSTR_ide_frame), MP_ROM_PTR(&vencoder_ide_frame_obj)},
    {MP_ROM_QSTR(MP_QSTR_ide_release), MP_ROM_PTR(&vencoder_ide_release_obj)},
    {MP_ROM_QSTR(MP_QSTR_FRAME_INFO_SIZE), MP_ROM_INT(sizeof(KVideoFrameInfo))},
};
static MP_DEFINE_CONST_DICT(vencoder_globals, vencoder_globals_table);

const mp_obj_module_t mp_module_vencoder = {
    .base = {&mp_type_module},
    .globals = (mp_obj_dict_t *)&vencoder_globals,
};

MP_REGISTER_MODULE(MP_QSTR__vencoder, mp_module_vencoder);
