//! Cross-checks against ffmpeg / ffprobe / x264: streams encoded by libx264 and
//! libx265 are split, their parameter sets parsed and compared with `ffprobe
//! -show_streams`, their NAL unit types with the `trace_headers` bitstream filter, and
//! our `avcC` / `hvcC` and length-prefixed samples with what ffmpeg writes into MP4.
//! A missing tool fails these tests (they are the reference), it never skips them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use canmv_vencoder::bitstream::annexb::split_nals;
use canmv_vencoder::bitstream::config_record::{
    annexb_to_length_prefixed, length_prefixed_to_annexb, write_avcc, write_hvcc,
};
use canmv_vencoder::bitstream::nal_header::{
    Codec, H264NalHeader, H264NalType, H265NalHeader, H265NalType,
};
use canmv_vencoder::bitstream::params::{
    param_set_rbsp, parse_h264_pps, parse_h264_sps, parse_h265_pps, parse_h265_sps, parse_h265_vps,
    PictureFormat,
};
use canmv_vencoder::bitstream::sei::{
    parse_sei_rbsp, sei_nal_rbsp, write_sei_nal, SeiMessage, SeiNalKind,
};

/// Byte comparison that reports the first difference instead of dumping both buffers.
#[track_caller]
fn assert_bytes_eq(ours: &[u8], theirs: &[u8], what: &str) {
    if ours != theirs {
        let at = ours
            .iter()
            .zip(theirs)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(theirs.len()));
        let show = |b: &[u8]| format!("{:02x?}", &b[at.saturating_sub(8)..(at + 16).min(b.len())]);
        panic!(
            "{what}: lengths {} vs {}, first difference at {at}: ours {} theirs {}",
            ours.len(),
            theirs.len(),
            show(ours),
            show(theirs)
        );
    }
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bitstream_ffmpeg");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} (is the tool installed? scripts/setup.sh): {e}")
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn ffmpeg_encode(path: &Path, input: &str, args: &[&str]) {
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        input,
        "-frames:v",
        "8",
    ])
    .args(args)
    .arg(path);
    run(&mut cmd);
}

/// `ffprobe -show_streams` key=value pairs of the first stream.
fn ffprobe(path: &Path) -> HashMap<String, String> {
    let out = run(Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_streams"])
        .arg(path));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Lines of `ffmpeg -bsf:v trace_headers` output that name `field`, with their values.
fn trace_values(path: &Path, field: &str) -> Vec<u32> {
    let out = run(Command::new("ffmpeg")
        .args(["-hide_banner", "-i"])
        .arg(path)
        .args(["-c", "copy", "-bsf:v", "trace_headers", "-f", "null", "-"]));
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .filter(|l| l.split_whitespace().nth(4) == Some(field))
        .filter_map(|l| l.rsplit("= ").next()?.trim().parse().ok())
        .collect()
}

fn nal_types(codec: Codec, stream: &[u8]) -> Vec<u32> {
    split_nals(stream)
        .map(|n| match codec {
            Codec::H264 => u32::from(H264NalHeader::parse(n).unwrap().nal_unit_type.0),
            Codec::H265 => u32::from(H265NalHeader::parse(n).unwrap().nal_unit_type.0),
        })
        .collect()
}

/// trace_headers first shows the extradata (the leading parameter sets), then every
/// NAL unit of the stream.
fn check_nal_types_against_trace(codec: Codec, path: &Path, stream: &[u8]) {
    let ours = nal_types(codec, stream);
    let trace = trace_values(path, "nal_unit_type");
    assert!(
        trace.len() >= ours.len(),
        "{path:?}: trace {trace:?} ours {ours:?}"
    );
    let (extradata, rest) = trace.split_at(trace.len() - ours.len());
    assert_eq!(rest, &ours[..], "{path:?}");
    let is_param_set = |t: &u32| match codec {
        Codec::H264 => *t == 7 || *t == 8,
        Codec::H265 => (32..=34).contains(t),
    };
    assert!(
        extradata.iter().all(is_param_set),
        "{path:?}: {extradata:?}"
    );
}

/// The payload of the first box `fourcc` (naive search; fine for ffmpeg's small files).
fn mp4_box<'a>(file: &'a [u8], fourcc: &[u8; 4]) -> &'a [u8] {
    let at = file
        .windows(4)
        .position(|w| w == fourcc)
        .unwrap_or_else(|| panic!("no {fourcc:?} box"));
    let size = u32::from_be_bytes(file[at - 4..at].try_into().unwrap()) as usize;
    &file[at + 4..at - 4 + size]
}

fn to_mp4(src: &Path, extra: &[&str]) -> Vec<u8> {
    let dst = src.with_extension("mp4");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(src)
        .args(["-c", "copy"])
        .args(extra)
        .arg(&dst));
    std::fs::read(dst).unwrap()
}

fn check_format(path: &Path, probe: &HashMap<String, String>, f: &PictureFormat) {
    let get = |k: &str| {
        probe
            .get(k)
            .unwrap_or_else(|| panic!("{path:?}: ffprobe has no {k}"))
            .as_str()
    };
    assert_eq!(get("width"), f.width.to_string(), "{path:?} width");
    assert_eq!(get("height"), f.height.to_string(), "{path:?} height");
    let fps = f.frame_rate.expect("encoders write VUI timing");
    assert_eq!(
        get("r_frame_rate"),
        format!("{}/{}", fps.num, fps.den),
        "{path:?} fps"
    );
    let pix = get("pix_fmt");
    let chroma = match f.chroma_format_idc {
        0 => "gray",
        1 => "yuv420p",
        2 => "yuv422p",
        _ => "yuv444p",
    };
    assert!(
        pix.starts_with(chroma),
        "{path:?}: {pix} vs chroma_format_idc {}",
        f.chroma_format_idc
    );
    assert_eq!(
        pix.contains("10"),
        f.bit_depth_luma == 10,
        "{path:?}: {pix}"
    );
}

fn h264_profile_name(profile_idc: u8, constraint_flags: u8) -> &'static str {
    match profile_idc {
        66 if constraint_flags & 0x40 != 0 => "Constrained Baseline",
        66 => "Baseline",
        77 => "Main",
        100 => "High",
        110 => "High 10",
        122 => "High 4:2:2",
        244 => "High 4:4:4 Predictive",
        _ => "?",
    }
}

/// Everything checked for one H.264 stream.
fn check_h264_stream(path: &Path) {
    let stream = std::fs::read(path).unwrap();
    let nals: Vec<&[u8]> = split_nals(&stream).collect();
    let of_type = |t: H264NalType| -> Vec<&[u8]> {
        nals.iter()
            .copied()
            .filter(|n| H264NalHeader::parse(n).unwrap().nal_unit_type == t)
            .collect()
    };
    let (sps, pps) = (of_type(H264NalType::SPS), of_type(H264NalType::PPS));
    let mut scratch = vec![0u8; 4096];
    let parsed =
        parse_h264_sps(param_set_rbsp(Codec::H264, sps[0], &mut scratch).unwrap()).unwrap();
    let p = parse_h264_pps(param_set_rbsp(Codec::H264, pps[0], &mut scratch).unwrap()).unwrap();
    assert_eq!(p.sps_id, parsed.sps_id);

    let probe = ffprobe(path);
    assert_eq!(probe["codec_name"], "h264");
    assert_eq!(
        probe["profile"],
        h264_profile_name(parsed.profile_idc, parsed.constraint_flags),
        "{path:?}"
    );
    assert_eq!(probe["level"], parsed.level_idc.to_string(), "{path:?}");
    check_format(path, &probe, &parsed.format);
    // ffprobe's coded size for H.264 is the cropped one; the SPS fields are the truth.
    let mbs_w = trace_values(path, "pic_width_in_mbs_minus1")[0];
    let map_h = trace_values(path, "pic_height_in_map_units_minus1")[0];
    let field_factor = if parsed.frame_mbs_only { 1 } else { 2 };
    assert_eq!(parsed.format.coded_width, (mbs_w + 1) * 16);
    assert_eq!(parsed.format.coded_height, (map_h + 1) * 16 * field_factor);
    check_nal_types_against_trace(Codec::H264, path, &stream);

    // x264 announces itself in a user_data_unregistered SEI.
    let sei = of_type(H264NalType::SEI);
    let rbsp = sei_nal_rbsp(Codec::H264, sei[0], &mut scratch).unwrap();
    let msg = parse_sei_rbsp(rbsp).next().unwrap().unwrap();
    let (uuid, text) = msg.user_data_unregistered().expect("x264 info SEI");
    assert_eq!(uuid[..4], [0xdc, 0x45, 0xe9, 0xbd]);
    assert!(text.starts_with(b"x264 - core"));

    // avcC and samples as ffmpeg's MP4 muxer writes them.
    let mp4 = to_mp4(path, &[]);
    let mut avcc = vec![0u8; 1024];
    let n = write_avcc(&sps[..1], &pps[..1], &mut scratch, &mut avcc).unwrap();
    assert_bytes_eq(
        &avcc[..n],
        mp4_box(&mp4, b"avcC"),
        &format!("{path:?} avcC"),
    );
    let mut lp = vec![0u8; stream.len() + 4 * nals.len()];
    let m = annexb_to_length_prefixed(&stream, &mut lp).unwrap();
    assert_bytes_eq(
        &lp[..m],
        mp4_box(&mp4, b"mdat"),
        &format!("{path:?} samples"),
    );
    let mut back = vec![0u8; m + nals.len()];
    let k = length_prefixed_to_annexb(&lp[..m], 4, &mut back).unwrap();
    assert_eq!(split_nals(&back[..k]).collect::<Vec<_>>(), nals);
}

#[test]
fn h264_libx264_streams_match_ffprobe_trace_and_mp4() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "main_25.264",
            "testsrc2=size=352x288:rate=25",
            &[
                "-c:v",
                "libx264",
                "-profile:v",
                "main",
                "-pix_fmt",
                "yuv420p",
            ],
        ),
        (
            "cbase_odd.264",
            "testsrc2=size=350x286:rate=30000/1001",
            &[
                "-c:v",
                "libx264",
                "-profile:v",
                "baseline",
                "-pix_fmt",
                "yuv420p",
            ],
        ),
        (
            "high_cqm.264",
            "testsrc2=size=320x240:rate=24",
            &[
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-x264-params",
                "cqm=jvt",
            ],
        ),
        (
            "high10.264",
            "testsrc2=size=176x120:rate=50",
            &["-c:v", "libx264", "-pix_fmt", "yuv420p10le"],
        ),
        (
            "high422.264",
            "testsrc2=size=178x100:rate=25",
            &["-c:v", "libx264", "-pix_fmt", "yuv422p"],
        ),
        (
            "high444.264",
            "testsrc2=size=174x98:rate=15",
            &[
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv444p",
                "-x264-params",
                "cqm=jvt",
            ],
        ),
        (
            "interlaced.264",
            "testsrc2=size=352x280:rate=25",
            &[
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-flags",
                "+ildct+ilme",
                "-x264-params",
                "tff=1",
            ],
        ),
    ];
    for (name, input, args) in cases {
        let path = tmp(name);
        ffmpeg_encode(&path, input, args);
        check_h264_stream(&path);
    }
}

#[test]
fn h264_x264_cli_on_y4m_content() {
    let y4m = Path::new(env!("CARGO_MANIFEST_DIR")).join("build/content/vtest_176x144.y4m");
    assert!(
        y4m.exists(),
        "{y4m:?} missing: run scripts/fetch_content.sh"
    );
    let path = tmp("x264_cli.264");
    run(Command::new("x264")
        .args(["--quiet", "--frames", "12", "-o"])
        .arg(&path)
        .arg(&y4m));
    check_h264_stream(&path);
}

fn check_h265_stream(path: &Path) {
    let stream = std::fs::read(path).unwrap();
    let nals: Vec<&[u8]> = split_nals(&stream).collect();
    let of_type = |t: H265NalType| -> Vec<&[u8]> {
        nals.iter()
            .copied()
            .filter(|n| H265NalHeader::parse(n).unwrap().nal_unit_type == t)
            .collect()
    };
    let (vps, sps, pps) = (
        of_type(H265NalType::VPS),
        of_type(H265NalType::SPS),
        of_type(H265NalType::PPS),
    );
    let mut scratch = vec![0u8; 4096];
    let v = parse_h265_vps(param_set_rbsp(Codec::H265, vps[0], &mut scratch).unwrap()).unwrap();
    let s = parse_h265_sps(param_set_rbsp(Codec::H265, sps[0], &mut scratch).unwrap()).unwrap();
    let p = parse_h265_pps(param_set_rbsp(Codec::H265, pps[0], &mut scratch).unwrap()).unwrap();
    assert_eq!((s.vps_id, p.sps_id), (v.vps_id, s.sps_id));
    assert_eq!(v.ptl, s.ptl);

    let probe = ffprobe(path);
    assert_eq!(probe["codec_name"], "hevc");
    let profile = match s.ptl.profile_idc {
        1 => "Main",
        2 => "Main 10",
        4 => "Rext",
        _ => "?",
    };
    assert_eq!(probe["profile"], profile, "{path:?}");
    assert_eq!(probe["level"], s.ptl.level_idc.to_string(), "{path:?}");
    check_format(path, &probe, &s.format);
    assert_eq!(
        probe["coded_width"],
        s.format.coded_width.to_string(),
        "{path:?}"
    );
    assert_eq!(
        probe["coded_height"],
        s.format.coded_height.to_string(),
        "{path:?}"
    );
    check_nal_types_against_trace(Codec::H265, path, &stream);

    let sei = of_type(H265NalType::PREFIX_SEI);
    let rbsp = sei_nal_rbsp(Codec::H265, sei[0], &mut scratch).unwrap();
    let found = parse_sei_rbsp(rbsp)
        .filter_map(Result::ok)
        .filter_map(|m| m.user_data_unregistered())
        .any(|(_, text)| text.starts_with(b"x265"));
    assert!(found, "x265 info SEI");

    let mp4 = to_mp4(path, &["-tag:v", "hvc1"]);
    let mut hvcc = vec![0u8; 1024];
    let n = write_hvcc(
        &vps[..1],
        &sps[..1],
        &pps[..1],
        &[],
        true,
        &mut scratch,
        &mut hvcc,
    )
    .unwrap();
    assert_bytes_eq(
        &hvcc[..n],
        mp4_box(&mp4, b"hvcC"),
        &format!("{path:?} hvcC"),
    );
    // ffmpeg's HEVC samples keep the next start code's leading zero on the last NAL
    // unit of each access unit (its parser cuts packets before `00 00 01`); compare the
    // NAL units without trailing zeros.
    let mut lp = vec![0u8; stream.len() + 4 * nals.len()];
    let m = annexb_to_length_prefixed(&stream, &mut lp).unwrap();
    let trimmed = |data: &[u8]| -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let len = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
            let nal = &data[at + 4..at + 4 + len];
            let end = nal.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
            out.push(nal[..end].to_vec());
            at += 4 + len;
        }
        out
    };
    assert_eq!(
        trimmed(&lp[..m]),
        trimmed(mp4_box(&mp4, b"mdat")),
        "{path:?} samples"
    );
    assert_eq!(trimmed(&lp[..m]).len(), nals.len());
}

#[test]
fn h265_libx265_streams_match_ffprobe_trace_and_mp4() {
    let x265 = |extra: &'static str| -> Vec<String> {
        let params = if extra.is_empty() {
            "log-level=error".to_string()
        } else {
            format!("log-level=error:{extra}")
        };
        vec![
            "-c:v".into(),
            "libx265".into(),
            "-x265-params".into(),
            params,
        ]
    };
    let cases: Vec<(&str, &str, &str, Vec<String>)> = vec![
        (
            "main_odd.265",
            "testsrc2=size=350x286:rate=30000/1001",
            "yuv420p",
            x265(""),
        ),
        (
            "main10.265",
            "testsrc2=size=320x240:rate=25",
            "yuv420p10le",
            x265(""),
        ),
        (
            "rext422.265",
            "testsrc2=size=198x110:rate=50",
            "yuv422p10le",
            x265("scaling-list=default"),
        ),
        (
            "rext444.265",
            "testsrc2=size=160x96:rate=60",
            "yuv444p",
            x265("bframes=0:wpp=0"),
        ),
        (
            "gop.265",
            "testsrc2=size=192x108:rate=24",
            "yuv420p",
            x265("bframes=4:b-pyramid=1:ref=4:keyint=4"),
        ),
    ];
    for (name, input, pix, args) in &cases {
        let path = tmp(name);
        let mut all: Vec<&str> = vec!["-pix_fmt", pix];
        all.extend(args.iter().map(String::as_str));
        ffmpeg_encode(&path, input, &all);
        check_h265_stream(&path);
    }
}

#[test]
fn sei_nal_built_here_is_read_by_ffmpeg() {
    let src = tmp("sei_src.264");
    ffmpeg_encode(
        &src,
        "testsrc2=size=176x144:rate=25",
        &["-c:v", "libx264", "-pix_fmt", "yuv420p"],
    );
    let stream = std::fs::read(&src).unwrap();
    // Insert our SEI NAL unit before every slice: user data (with zero runs that need
    // escaping) and a 300-byte custom payload (size coded as FF 2D).
    let uuid = *b"canmv-vencoder!!";
    let data = [0u8, 0, 0, 1, 0, 0, 2, 0, 0, 3, 9];
    let custom = vec![0u8; 300];
    let msgs = [
        SeiMessage::user_data_unregistered(&uuid, &data),
        SeiMessage::new(100, &custom),
    ];
    let mut sei = vec![0u8; 512];
    let n = write_sei_nal(SeiNalKind::H264, &msgs, true, &mut sei).unwrap();
    let mut out = Vec::new();
    let mut slices = 0;
    for nal in split_nals(&stream) {
        if H264NalHeader::parse(nal).unwrap().nal_unit_type.is_vcl() {
            out.extend_from_slice(&sei[..n]);
            slices += 1;
        }
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
    }
    let path = tmp("sei_inserted.264");
    std::fs::write(&path, &out).unwrap();
    let types = trace_values(&path, "last_payload_type_byte");
    let sizes = trace_values(&path, "last_payload_size_byte");
    let ours = types
        .iter()
        .zip(&sizes)
        .filter(|(t, _)| **t == 5 || **t == 100)
        .filter(|(t, s)| (**t == 5 && **s == 27) || (**t == 100 && **s == 45));
    assert_eq!(ours.count(), 2 * slices, "types {types:?} sizes {sizes:?}");
    // And the decoder accepts the stream without complaint.
    let dec = run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-f", "null", "-"]));
    assert!(
        dec.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&dec.stderr)
    );
}

/// x265 never predicts short-term RPSs from each other in its SPS, so this builds an
/// SPS that does (4 sets, 3 of them inter-predicted, the last depending on how many
/// pictures the previous derivation produced) followed by VUI timing and bitstream
/// restriction. Both ffmpeg's parser (trace_headers) and ours must land on the same
/// VUI values after the RPS bits.
#[test]
fn h265_sps_with_inter_predicted_rps_matches_ffmpeg() {
    use canmv_vencoder::bitstream::writer::BitWriter;
    let mut w = BitWriter::try_with_capacity(256).unwrap();
    w.put_bits(0, 4); // sps_video_parameter_set_id
    w.put_bits(0, 3); // sps_max_sub_layers_minus1
    w.put_flag(true); // temporal_id_nesting
    w.put_bits(0, 2); // profile_space
    w.put_flag(false); // tier
    w.put_bits(1, 5); // Main
    w.put_bits(0x6000_0000, 32);
    w.put_bits(0x9000, 16); // progressive, frame_only
    w.put_bits(0, 32);
    w.put_bits(93, 8); // level 3.1
    w.put_ue(0); // sps_seq_parameter_set_id
    w.put_ue(1); // 4:2:0
    w.put_ue(320);
    w.put_ue(240);
    w.put_flag(true); // conformance window: right 4*2, bottom 2*2
    for v in [0, 4, 0, 2] {
        w.put_ue(v);
    }
    w.put_ue(0);
    w.put_ue(0); // bit depths 8
    w.put_ue(4); // log2_max_pic_order_cnt_lsb_minus4
    w.put_flag(true);
    for v in [4, 2, 0] {
        w.put_ue(v);
    }
    for v in [0, 3, 0, 3, 0, 0] {
        w.put_ue(v); // block sizes, transform hierarchy
    }
    w.put_flag(false); // scaling_list_enabled
    w.put_flag(false); // amp
    w.put_flag(true); // sao
    w.put_flag(false); // pcm
    w.put_ue(4); // num_short_term_ref_pic_sets
                 // Set 0: S0 = [-1, -3], S1 = [2].
    w.put_ue(2);
    w.put_ue(1);
    for v in [0, 1] {
        w.put_ue(v);
        w.put_flag(true);
    }
    w.put_ue(1);
    w.put_flag(true);
    // Set 1 from set 0 with deltaRps -1: S0 = [-1, -2, -4].
    w.put_flag(true);
    w.put_flag(true);
    w.put_ue(0);
    for (used, use_delta) in [(true, true), (false, true), (false, false), (true, true)] {
        w.put_flag(used);
        if !used {
            w.put_flag(use_delta);
        }
    }
    // Set 2 from set 1 with deltaRps +3: S0 = [-1], S1 = [1, 2, 3].
    w.put_flag(true);
    w.put_flag(false);
    w.put_ue(2);
    for _ in 0..4 {
        w.put_flag(true);
    }
    // Set 3 from set 2 with deltaRps -4: five flags, only right if set 2 has 4 pictures.
    w.put_flag(true);
    w.put_flag(true);
    w.put_ue(3);
    for _ in 0..5 {
        w.put_flag(true);
    }
    w.put_flag(false); // long_term_ref_pics_present
    w.put_flag(true); // temporal_mvp
    w.put_flag(true); // strong_intra_smoothing
    w.put_flag(true); // vui_parameters_present
    for _ in 0..8 {
        w.put_flag(false); // aspect .. default_display_window
    }
    w.put_flag(true); // vui_timing_info_present
    w.put_bits(1001, 32);
    w.put_bits(60000, 32);
    w.put_flag(false); // poc_proportional_to_timing
    w.put_flag(false); // hrd_parameters_present
    w.put_flag(true); // bitstream_restriction
    w.put_bits(0b010, 3);
    w.put_ue(4); // min_spatial_segmentation_idc
    for v in [2, 1, 15, 15] {
        w.put_ue(v);
    }
    w.put_flag(false); // sps_extension_present
    w.put_trailing_bits();
    let rbsp = w.bytes().to_vec();

    let s = parse_h265_sps(&rbsp).unwrap();
    assert_eq!((s.format.width, s.format.height), (312, 236));
    let fps = s.format.frame_rate.unwrap();
    assert_eq!((fps.num, fps.den), (60000, 1001));
    assert_eq!(s.min_spatial_segmentation_idc, 4);

    // ffmpeg's view of the same SPS, in a stream with a real VPS, PPS and slices.
    let src = tmp("rps_src.265");
    ffmpeg_encode(
        &src,
        "testsrc2=size=320x240:rate=25",
        &[
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx265",
            "-x265-params",
            "log-level=error",
        ],
    );
    let stream = std::fs::read(&src).unwrap();
    let mut sps_nal = vec![0u8; 2 * rbsp.len() + 8];
    let n = canmv_vencoder::bitstream::nal::write_nal(&mut sps_nal, 0, &[0x42, 0x01], &[&rbsp])
        .unwrap();
    let mut out = Vec::new();
    for nal in split_nals(&stream) {
        if H265NalHeader::parse(nal).unwrap().nal_unit_type == H265NalType::SPS {
            out.extend_from_slice(&sps_nal[..n]);
        } else {
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(nal);
        }
    }
    let path = tmp("rps_crafted.265");
    std::fs::write(&path, &out).unwrap();
    // The slices do not fit this SPS, so ffmpeg may fail after the SPS: read the trace
    // whatever the exit status.
    let trace = Command::new("ffmpeg")
        .args(["-hide_banner", "-i"])
        .arg(&path)
        .args(["-c", "copy", "-bsf:v", "trace_headers", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    let text = String::from_utf8_lossy(&trace.stderr);
    let field = |name: &str| -> u32 {
        text.lines()
            .find(|l| l.split_whitespace().nth(4) == Some(name))
            .and_then(|l| l.rsplit("= ").next()?.trim().parse().ok())
            .unwrap_or_else(|| panic!("trace has no {name}:\n{text}"))
    };
    assert_eq!(field("vui_num_units_in_tick"), 1001);
    assert_eq!(field("vui_time_scale"), 60000);
    assert_eq!(field("min_spatial_segmentation_idc"), 4);
    assert_eq!(field("conf_win_right_offset"), 4);
}
