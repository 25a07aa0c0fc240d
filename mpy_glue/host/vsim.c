// `_vsim`: the host runtime behind media.sensor and media.media (virtual camera, VB,
// binding). Only in the unix-port build; on the board the firmware provides these.

#include <string.h>

#include "py/runtime.h"
#include "venc_glue.h"

static mp_obj_t vsim_media_init_fn(void) {
    VencStatus st;
    vsim_media_init(&st);
    venc_glue_check(&st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(vsim_media_init_obj, vsim_media_init_fn);

static mp_obj_t vsim_media_deinit_fn(void) {
    VencStatus st;
    vsim_media_deinit(&st);
    venc_glue_check(&st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(vsim_media_deinit_obj, vsim_media_deinit_fn);

// Read a (mod, dev, chn) tuple into three ints.
static void endpoint(mp_obj_t tuple, int64_t *out, const char *what) {
    size_t len;
    mp_obj_t *items;
    if (!mp_obj_is_type(tuple, &mp_type_tuple) && !mp_obj_is_type(tuple, &mp_type_list)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s must be a (mod_id, dev, chn) tuple"), what);
    }
    mp_obj_get_array(tuple, &len, &items);
    if (len != 3) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s must have 3 entries (mod_id, dev, chn)"), what);
    }
    for (size_t i = 0; i < 3; i++) {
        out[i] = venc_glue_int(items[i], what);
    }
}

static mp_obj_t vsim_bind_common(mp_obj_t src, mp_obj_t dst, bool bind) {
    int64_t ends[6];
    endpoint(src, ends, "link source");
    endpoint(dst, ends + 3, "link destination");
    VencStatus st;
    vsim_sys_bind(ends, bind, &st);
    venc_glue_check(&st);
    return mp_const_none;
}

static mp_obj_t vsim_bind_fn(mp_obj_t src, mp_obj_t dst) {
    return vsim_bind_common(src, dst, true);
}
static MP_DEFINE_CONST_FUN_OBJ_2(vsim_bind_obj, vsim_bind_fn);

static mp_obj_t vsim_unbind_fn(mp_obj_t src, mp_obj_t dst) {
    return vsim_bind_common(src, dst, false);
}
static MP_DEFINE_CONST_FUN_OBJ_2(vsim_unbind_obj, vsim_unbind_fn);

#define VSIM_DEV_CALL(py_name, rust_fn)                                 \
    static mp_obj_t vsim_##py_name##_fn(mp_obj_t dev) {                 \
        VencStatus st;                                                  \
        rust_fn(venc_glue_int(dev, "sensor id"), &st);                  \
        venc_glue_check(&st);                                           \
        return mp_const_none;                                           \
    }                                                                   \
    static MP_DEFINE_CONST_FUN_OBJ_1(vsim_##py_name##_obj, vsim_##py_name##_fn)

VSIM_DEV_CALL(sensor_reset, vsim_sensor_reset);
VSIM_DEV_CALL(sensor_run, vsim_sensor_run);
VSIM_DEV_CALL(sensor_stop, vsim_sensor_stop);

// sensor_set_framesize(dev, chn, width, height, alignment)
static mp_obj_t vsim_sensor_set_framesize_fn(size_t n_args, const mp_obj_t *args) {
    VencStatus st;
    vsim_sensor_set_framesize(venc_glue_int(args[0], "sensor id"), venc_glue_int(args[1], "chn"),
        venc_glue_int(args[2], "width"), venc_glue_int(args[3], "height"), venc_glue_int(args[4], "alignment"), &st);
    venc_glue_check(&st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(vsim_sensor_set_framesize_obj, 5, 5, vsim_sensor_set_framesize_fn);

static mp_obj_t vsim_sensor_set_pixformat_fn(mp_obj_t dev, mp_obj_t chn, mp_obj_t fmt) {
    VencStatus st;
    vsim_sensor_set_pixformat(venc_glue_int(dev, "sensor id"), venc_glue_int(chn, "chn"), venc_glue_int(fmt, "pix_format"), &st);
    venc_glue_check(&st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(vsim_sensor_set_pixformat_obj, vsim_sensor_set_pixformat_fn);

// sensor_set_source(dev, path or None): a .y4m file, or None for the synthetic scene
static mp_obj_t vsim_sensor_set_source_fn(mp_obj_t dev, mp_obj_t path) {
    size_t len = 0;
    const char *p = path == mp_const_none ? "" : mp_obj_str_get_data(path, &len);
    VencStatus st;
    vsim_sensor_set_source(venc_glue_int(dev, "sensor id"), (const uint8_t *)p, len, &st);
    venc_glue_check(&st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(vsim_sensor_set_source_obj, vsim_sensor_set_source_fn);

// sensor_snapshot(dev, chn) -> (phys, virt, pool_id, width, height, pix_format, uv_offset)
static mp_obj_t vsim_sensor_snapshot_fn(mp_obj_t dev, mp_obj_t chn) {
    VsimSnapshot s;
    VencStatus st;
    vsim_sensor_snapshot(venc_glue_int(dev, "sensor id"), venc_glue_int(chn, "chn"), &s, &st);
    venc_glue_check(&st);
    mp_obj_t items[7] = {
        mp_obj_new_int_from_ull(s.phys_addr), mp_obj_new_int_from_uint(s.virt_addr), mp_obj_new_int_from_uint(s.pool_id),
        mp_obj_new_int_from_uint(s.width), mp_obj_new_int_from_uint(s.height), mp_obj_new_int_from_uint(s.pixel_format),
        mp_obj_new_int_from_ull(s.uv_offset),
    };
    return mp_obj_new_tuple(7, items);
}
static MP_DEFINE_CONST_FUN_OBJ_2(vsim_sensor_snapshot_obj, vsim_sensor_snapshot_fn);

static const mp_rom_map_elem_t vsim_globals_table[] = {
    {MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__vsim)},
    {MP_ROM_QSTR(MP_QSTR_media_init), MP_ROM_PTR(&vsim_media_init_obj)},
    {MP_ROM_QSTR(MP_QSTR_media_deinit), MP_ROM_PTR(&vsim_media_deinit_obj)},
    {MP_ROM_QSTR(MP_QSTR_bind), MP_ROM_PTR(&vsim_bind_obj)},
    {MP_ROM_QSTR(MP_QSTR_unbind), MP_ROM_PTR(&vsim_unbind_obj)},
    {MP_ROM_QSTR(MP_QSTR_sensor_reset), MP_ROM_PTR(&vsim_sensor_reset_obj)},
    {MP_ROM_QSTR(MP_QSTR_sensor_run), MP_ROM_PTR(&vsim_sensor_run_obj)},
    {MP_ROM_QSTR(MP_QSTR_sensor_stop), MP_ROM_PTR(&vsim_sensor_stop_obj)},
    {MP_ROM_QSTR(MP_QSTR_sensor_set_framesize), MP_ROM_PTR(&vsim_sensor_set_framesize_obj)},
    {MP_ROM_QSTR(MP_QSTR_sensor_set_pixformat), MP_ROM_PTR(&vsim_sensor_set_pixformat_obj)},
    {MP_ROM_QSTR(MP_QSTR_sensor_set_source), MP_ROM_PTR(&vsim_sensor_set_source_obj)},
    {MP_ROM_QSTR(MP_QSTR_sensor_snapshot), MP_ROM_PTR(&vsim_sensor_snapshot_obj)},
};
static MP_DEFINE_CONST_DICT(vsim_globals, vsim_globals_table);

const mp_obj_module_t mp_module_vsim = {
    .base = {&mp_type_module},
    .globals = (mp_obj_dict_t *)&vsim_globals,
};

MP_REGISTER_MODULE(MP_QSTR__vsim, mp_module_vsim);
