# MicroPython user C module for CMake-based ports (esp32, rp2, ...): the firmware glue
# only (no host simulator). The Rust core is a staticlib cross-built beforehand for the
# port's target; pass its path with -DVENC_RUST_LIB=... (default: target/release).
add_library(usermod_vencoder INTERFACE)

set(VENC_MOD_DIR ${CMAKE_CURRENT_LIST_DIR})
if(NOT DEFINED VENC_RUST_LIB)
    set(VENC_RUST_LIB ${VENC_MOD_DIR}/target/release/libcanmv_vencoder.a)
endif()

target_sources(usermod_vencoder INTERFACE
    ${VENC_MOD_DIR}/mpy_glue/vencoder.c
)
target_include_directories(usermod_vencoder INTERFACE
    ${VENC_MOD_DIR}/mpy_glue
)
target_link_libraries(usermod_vencoder INTERFACE ${VENC_RUST_LIB})

# The port's usermod target collects every user module.
target_link_libraries(usermod INTERFACE usermod_vencoder)
