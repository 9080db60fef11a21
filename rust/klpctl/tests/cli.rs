//! klpctl against a fake tree (sysfs, debugfs, proc, /var/lib): every
//! command, the exit codes, malformed contents. Inserting and removing
//! modules runs fake insmod/rmmod scripts (KLPCTL_INSMOD/KLPCTL_RMMOD) that
//! create and delete the patch's sysfs directory; a thread plays the
//! runtime's part in reacting to writes to `enabled`.

use klpctl::modinfo::fake_module;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

const REL: &str = "7.2.13-test";
const VERMAGIC: &str = "7.2.13-test SMP preempt mod_unload ";

const INSMOD: &str = r##"#!/bin/bash
# fake insmod FILE PARAMS: FILE's base name is the module name.
R=$(dirname "$0")
echo "insmod $(basename "$1") $2" >> "$R/log"
f=$(basename "$1" .ko)
if [ -e "$1.fail" ]; then cat "$1.fail" >&2; exit 1; fi
mkdir -p "$R/sys/module/$f" && touch "$R/sys/module/$f/initstate"
[ -e "$1.version" ] && cp "$1.version" "$R/sys/module/$f/version"
if [ "$f" = livepatch ]; then
	mkdir -p "$R/sys/kernel/livepatch" "$R/sys/kernel/debug/livepatch"
	: > "$R/sys/kernel/debug/livepatch/pending"
	exit 0
fi
[ -e "$1.noregister" ] && exit 0
d=$R/sys/kernel/livepatch/$f
n=$(ls "$R/sys/kernel/livepatch" | wc -l)
mkdir -p "$d/vmlinux/cmdline_proc_show,1"
echo 1 > "$d/vmlinux/patched"
echo 1 > "$d/enabled"; echo 1 > "$d/escalate"; echo $((n + 1)) > "$d/stack_order"
if [ -e "$1.replace" ]; then echo 1 > "$d/replace"; else echo 0 > "$d/replace"; fi
if [ -e "$1.stall" ]; then
	echo 1 > "$d/transition"
	{ echo "# $f patching"; cat "$1.stall"; } > "$R/sys/kernel/debug/livepatch/pending"
elif [ -e "$1.slow" ]; then
	echo 1 > "$d/transition"
	echo "# $f patching" > "$R/sys/kernel/debug/livepatch/pending"
	(sleep 0.5; echo 0 > "$d/transition"; : > "$R/sys/kernel/debug/livepatch/pending") &
else
	echo 0 > "$d/transition"
fi
"##;

const RMMOD: &str = r#"#!/bin/bash
R=$(dirname "$0")
echo "rmmod $1" >> "$R/log"
[ -d "$R/sys/module/$1" ] || { echo "rmmod: ERROR: Module $1 is not currently loaded" >&2; exit 1; }
[ -d "$R/sys/kernel/livepatch/$1" ] && { echo "rmmod: ERROR: Module $1 is in use" >&2; exit 1; }
rm -rf "$R/sys/module/$1"
"#;

struct Fx {
    root: PathBuf,
    stop: Arc<AtomicBool>,
    sim: std::cell::RefCell<Option<JoinHandle<()>>>,
}

impl Drop for Fx {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.sim.borrow_mut().take() {
            let _ = t.join();
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn write(p: &Path, s: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, s).unwrap();
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_default()
}

struct Out {
    code: i32,
    out: String,
    err: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.out).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.out))
    }
}

impl Fx {
    fn new(name: &str) -> Fx {
        let root = std::env::temp_dir().join(format!("klpctl-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        write(&root.join("proc/sys/kernel/osrelease"), &format!("{REL}\n"));
        write(&root.join("proc/cmdline"), "console=ttyS0 quiet\n");
        for (f, s) in [("insmod", INSMOD), ("rmmod", RMMOD)] {
            write(&root.join(f), s);
            Command::new("chmod")
                .arg("+x")
                .arg(root.join(f))
                .status()
                .unwrap();
        }
        // The runtime module file (not loaded yet).
        fs::create_dir_all(root.join("lib")).unwrap();
        fs::write(
            root.join("lib/livepatch.ko"),
            fake_module(&[("name", "livepatch"), ("vermagic", VERMAGIC)]),
        )
        .unwrap();
        Fx {
            root,
            stop: Arc::new(AtomicBool::new(false)),
            sim: Default::default(),
        }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The runtime is loaded (sysfs and the pending file exist).
    fn runtime(&self) -> &Self {
        fs::create_dir_all(self.p("sys/kernel/livepatch")).unwrap();
        write(&self.p("sys/module/livepatch/initstate"), "live\n");
        write(&self.p("sys/kernel/debug/livepatch/pending"), "");
        self
    }

    /// A patch in sysfs (its module loaded).
    fn patch(
        &self,
        name: &str,
        enabled: bool,
        transition: bool,
        replace: bool,
        order: u32,
    ) -> &Self {
        let d = self.p(&format!("sys/kernel/livepatch/{name}"));
        for (f, v) in [
            ("enabled", enabled),
            ("transition", transition),
            ("replace", replace),
        ] {
            write(&d.join(f), &format!("{}\n", v as u8));
        }
        write(&d.join("stack_order"), &format!("{order}\n"));
        write(&d.join("escalate"), "1\n");
        write(&d.join("vmlinux/patched"), "1\n");
        fs::create_dir_all(d.join("vmlinux/cmdline_proc_show,0")).unwrap();
        write(&d.join("lprs_test_target/patched"), "0\n");
        fs::create_dir_all(d.join("lprs_test_target/lprs_target_call,1")).unwrap();
        write(&self.p(&format!("sys/module/{name}/initstate")), "live\n");
        self
    }

    /// A patch module file; `extra` adds modinfo fields.
    fn module(&self, rel: &str, name: &str, vermagic: &str, extra: &[(&str, &str)]) -> PathBuf {
        let mut f = vec![
            ("name", name),
            ("vermagic", vermagic),
            ("livepatch_rs", "Y"),
        ];
        f.extend_from_slice(extra);
        let p = self.p(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, fake_module(&f)).unwrap();
        p
    }

    fn installed(&self, name: &str) -> PathBuf {
        self.module(
            &format!("var/lib/livepatch-rs/{REL}/{name}.ko"),
            name,
            VERMAGIC,
            &[],
        )
    }

    fn run(&self, args: &[&str]) -> Out {
        let o = Command::new(env!("CARGO_BIN_EXE_klpctl"))
            .args(args)
            .env("KLPCTL_ROOT", &self.root)
            .env("KLPCTL_INSMOD", self.p("insmod"))
            .env("KLPCTL_RMMOD", self.p("rmmod"))
            .env("KLPCTL_RUNTIME", self.p("lib/livepatch.ko"))
            .env_remove("KLPCTL_CMDLINE")
            .env_remove("KLPCTL_STATE_DIR")
            .env_remove("KLPCTL_RUNTIME_PARAMS")
            .output()
            .unwrap();
        let out = Out {
            code: o.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&o.stdout).into(),
            err: String::from_utf8_lossy(&o.stderr).into(),
        };
        eprintln!("klpctl {args:?} -> {}\n{}{}", out.code, out.out, out.err);
        out
    }

    /// Plays the runtime: `enabled` 0 ends in the patch directory going away
    /// (or, with the file `stuck`, a transition that never ends); `enabled`
    /// 1 again on a reversed patch completes the reversal.
    fn simulate(&self) -> &Self {
        let (root, stop) = (self.root.clone(), self.stop.clone());
        *self.sim.borrow_mut() = Some(std::thread::spawn(move || {
            let lp = root.join("sys/kernel/livepatch");
            let pending = root.join("sys/kernel/debug/livepatch/pending");
            while !stop.load(Ordering::Relaxed) {
                for e in fs::read_dir(&lp).into_iter().flatten().flatten() {
                    let d = e.path();
                    let name = e.file_name().to_string_lossy().into_owned();
                    let reversed = d.join(".reversed");
                    let stuck = root.join("stuck").exists();
                    match read(&d.join("enabled")).trim() {
                        "0" if stuck && !reversed.exists() => {
                            write(&reversed, "");
                            write(&d.join("transition"), "1\n");
                            write(&pending, &format!("# {name} unpatching\n77 cat sleeping-in new_f+0x1/0x2 [{name}]\n"));
                        }
                        "0" if stuck => {}
                        "0" => {
                            let _ = fs::remove_dir_all(&d);
                            write(&pending, "");
                        }
                        "1" if reversed.exists() => {
                            let _ = fs::remove_file(&reversed);
                            write(&d.join("transition"), "0\n");
                            write(&pending, "");
                        }
                        _ => {}
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }));
        self
    }

    fn log(&self) -> String {
        read(&self.p("log"))
    }
}

// ---- status, list ----

#[test]
fn status_json_has_patches_objects_functions_and_transition() {
    let fx = Fx::new("status-json");
    fx.runtime()
        .patch("b", true, true, false, 2)
        .patch("a", true, false, true, 1);
    write(&fx.p("sys/module/a/version"), "lp3\n");
    write(
        &fx.p("sys/kernel/debug/livepatch/pending"),
        "# b patching\n12 cat running\n",
    );
    let o = fx.run(&["status", "--json"]);
    assert_eq!(o.code, 0);
    let j = o.json();
    assert_eq!(j["release"], REL);
    assert_eq!(j["runtime_loaded"], true);
    assert_eq!(j["disabled_by_cmdline"], false);
    let p = &j["patches"];
    assert_eq!(p[0]["name"], "a");
    assert_eq!(p[0]["version"], "lp3");
    assert_eq!(p[0]["replace"], true);
    assert_eq!(p[1]["name"], "b");
    assert_eq!(p[1]["transition"], true);
    assert_eq!(p[1]["stack_order"], 2);
    assert_eq!(p[1]["escalate"], true);
    let objs = p[1]["objects"].as_array().unwrap();
    assert_eq!(objs[0]["name"], "lprs_test_target");
    assert_eq!(objs[0]["patched"], false);
    assert_eq!(objs[0]["functions"][0]["name"], "lprs_target_call");
    assert_eq!(objs[0]["functions"][0]["sympos"], 1);
    assert_eq!(objs[1]["functions"][0]["name"], "cmdline_proc_show");
    assert_eq!(j["transition"]["patch"], "b");
    assert_eq!(j["transition"]["tasks"][0]["pid"], 12);
    assert_eq!(j["transition"]["tasks"][0]["reason"], "running");
}

#[test]
fn status_and_list_text() {
    let fx = Fx::new("status-text");
    let o = fx.run(&["status"]);
    assert_eq!(o.code, 0);
    assert!(o.out.contains("runtime: not loaded"), "{}", o.out);
    fx.runtime().patch("a", true, false, false, 1);
    fx.installed("a");
    fx.installed("z");
    fx.module(
        "var/lib/livepatch-rs/7.2.12/old.ko",
        "old",
        "7.2.12 SMP",
        &[],
    );
    let o = fx.run(&["status"]);
    assert!(
        o.out.contains("patch a: enabled, idle, stack_order 1"),
        "{}",
        o.out
    );
    assert!(
        o.out
            .contains("  vmlinux (patched)\n    cmdline_proc_show,0"),
        "{}",
        o.out
    );
    let o = fx.run(&["list"]);
    assert_eq!(o.code, 0);
    assert!(o.out.contains("  a enabled idle"), "{}", o.out);
    assert!(
        o.out.contains(&format!(
            "installed for {REL} (running):\n  a loaded\n  z not loaded"
        )),
        "{}",
        o.out
    );
    assert!(o.out.contains("installed for 7.2.12:\n  old"), "{}", o.out);
}

#[test]
fn list_json_has_installed_for_every_kernel() {
    let fx = Fx::new("list-json");
    fx.runtime().patch("a", true, false, false, 1);
    fx.installed("a");
    fx.module(
        "var/lib/livepatch-rs/7.2.12/old.ko",
        "old",
        "7.2.12 SMP",
        &[("version", "9")],
    );
    fx.module(
        &format!("var/lib/livepatch-rs/{REL}/wrong.ko"),
        "wrong",
        "7.2.12 SMP",
        &[],
    );
    write(
        &fx.p(&format!("var/lib/livepatch-rs/{REL}/junk.ko")),
        "junk",
    );
    let j = fx.run(&["list", "--json"]).json();
    assert_eq!(j["loaded"][0]["name"], "a");
    let inst = j["installed"].as_array().unwrap();
    let by = |n: &str| {
        inst.iter()
            .find(|i| i["name"] == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    assert_eq!(by("a")["loaded"], true);
    assert_eq!(by("a")["running_kernel"], true);
    assert_eq!(by("old")["release"], "7.2.12");
    assert_eq!(by("old")["running_kernel"], false);
    assert_eq!(by("old")["version"], "9");
    assert_eq!(by("wrong")["error"], "built for kernel 7.2.12");
    assert!(by("junk")["error"].as_str().unwrap().contains("not an ELF"));
}

#[test]
fn malformed_sysfs_contents_are_named() {
    let fx = Fx::new("malformed");
    fx.runtime().patch("a", true, false, false, 1);
    write(&fx.p("sys/kernel/livepatch/a/enabled"), "yes\n");
    let o = fx.run(&["status"]);
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("malformed") && o.err.contains("sys/kernel/livepatch/a/enabled: 'yes'"),
        "{}",
        o.err
    );
    write(&fx.p("sys/kernel/livepatch/a/enabled"), "1\n");
    write(&fx.p("sys/kernel/livepatch/a/stack_order"), "-1\n");
    let o = fx.run(&["list", "--json"]);
    assert_eq!(o.code, 1);
    assert!(o.err.contains("a/stack_order: '-1'"), "{}", o.err);
    write(&fx.p("sys/kernel/livepatch/a/stack_order"), "1\n");
    fs::create_dir_all(fx.p("sys/kernel/livepatch/a/vmlinux/nocomma")).unwrap();
    let o = fx.run(&["status"]);
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("vmlinux/nocomma (not <function>,<sympos>)"),
        "{}",
        o.err
    );
    fs::remove_dir(fx.p("sys/kernel/livepatch/a/vmlinux/nocomma")).unwrap();
    fs::remove_file(fx.p("sys/kernel/livepatch/a/vmlinux/patched")).unwrap();
    let o = fx.run(&["uname"]);
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("cannot read") && o.err.contains("vmlinux/patched"),
        "{}",
        o.err
    );
    write(&fx.p("proc/sys/kernel/osrelease"), "\n");
    let o = fx.run(&["uname"]);
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("malformed") && o.err.contains("osrelease"),
        "{}",
        o.err
    );
}

// ---- blocking ----

#[test]
fn signal_escalates_only_during_a_transition() {
    let fx = Fx::new("signal");
    fx.runtime().patch("p", true, true, false, 1);
    let o = fx.run(&["signal"]);
    assert_eq!(o.code, 1, "{}", o.out);
    assert!(o.err.contains("no transition in progress"), "{}", o.err);
    assert_eq!(read(&fx.p("sys/kernel/debug/livepatch/signal")), "");
    write(
        &fx.p("sys/kernel/debug/livepatch/pending"),
        "# p patching\n52 cat sleeping-in f+0x6b/0xb0 [m]\n",
    );
    let o = fx.run(&["signal"]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.out, "p patching: signalled the 1 pending task(s)\n");
    assert_eq!(read(&fx.p("sys/kernel/debug/livepatch/signal")), "1\n");
}

#[test]
fn blocking_lists_tasks_with_stacks() {
    let fx = Fx::new("blocking");
    fx.runtime().patch("p", true, true, false, 1);
    write(
        &fx.p("sys/kernel/debug/livepatch/pending"),
        "# p patching\n52 my worker sleeping-in f+0x6b/0xb0 [m]\n53 sh unreliable-stack\n",
    );
    write(
        &fx.p("proc/52/stack"),
        "[<0>] f+0x6b/0xb0 [m]\n[<0>] vfs_read+0x1/0x2\n",
    );
    let o = fx.run(&["blocking"]);
    assert_eq!(o.code, 0);
    assert!(
        o.out.starts_with("p patching: 2 task(s) pending\n"),
        "{}",
        o.out
    );
    assert!(o.out.contains("  52 my worker sleeping-in f+0x6b/0xb0 [m]\n      [<0>] f+0x6b/0xb0 [m]\n      [<0>] vfs_read"));
    assert!(
        o.out
            .contains("  53 sh unreliable-stack\n      (cannot read"),
        "{}",
        o.out
    );
    let j = fx.run(&["blocking", "--json"]).json();
    let t = &j["transition"];
    assert_eq!(t["mode"], "patching");
    assert_eq!(t["tasks"][0]["comm"], "my worker");
    assert_eq!(t["tasks"][0]["where"], "f+0x6b/0xb0 [m]");
    assert_eq!(t["tasks"][0]["stack"][1], "[<0>] vfs_read+0x1/0x2");
    assert_eq!(t["tasks"][1]["stack"], Value::Null);
}

#[test]
fn blocking_without_transition_and_malformed_pending() {
    let fx = Fx::new("blocking-none");
    fx.runtime();
    let o = fx.run(&["blocking"]);
    assert_eq!((o.code, o.out.as_str()), (0, "no transition in progress\n"));
    assert_eq!(
        fx.run(&["blocking", "--json"]).json()["transition"],
        Value::Null
    );
    write(
        &fx.p("sys/kernel/debug/livepatch/pending"),
        "# p patching\n52 cat flying\n",
    );
    let o = fx.run(&["blocking"]);
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("malformed") && o.err.contains("line 2 '52 cat flying'"),
        "{}",
        o.err
    );
    write(&fx.p("sys/kernel/debug/livepatch/pending"), "p patching\n");
    assert!(fx.run(&["blocking"]).err.contains("line 1 'p patching'"));
    fs::remove_file(fx.p("sys/kernel/debug/livepatch/pending")).unwrap();
    let o = fx.run(&["blocking"]);
    assert_eq!(o.code, 1);
    assert!(o.err.contains("is debugfs mounted"), "{}", o.err);
}

// ---- load ----

#[test]
fn load_refuses_what_does_not_fit_before_inserting() {
    let fx = Fx::new("load-refuse");
    fx.runtime();
    let other = fx.module("m/other.ko", "other", "7.2.12 SMP preempt mod_unload ", &[]);
    let o = fx.run(&["load", other.to_str().unwrap()]);
    assert_eq!(o.code, 3);
    assert!(
        o.err
            .contains("other.ko: built for kernel 7.2.12, the running kernel is 7.2.13-test"),
        "{}",
        o.err
    );
    let p = fx.p("m/upstream.ko");
    fs::write(
        &p,
        fake_module(&[
            ("name", "upstream"),
            ("vermagic", VERMAGIC),
            ("livepatch", "Y"),
        ]),
    )
    .unwrap();
    let o = fx.run(&["load", p.to_str().unwrap()]);
    assert_eq!(o.code, 3);
    assert!(o.err.contains("an upstream livepatch module"), "{}", o.err);
    fs::write(
        &p,
        fake_module(&[("name", "plain"), ("vermagic", VERMAGIC)]),
    )
    .unwrap();
    let o = fx.run(&["load", p.to_str().unwrap()]);
    assert_eq!(o.code, 3);
    assert!(
        o.err
            .contains("not a livepatch-rs patch module (no 'livepatch_rs: Y'"),
        "{}",
        o.err
    );
    fs::write(&p, "text").unwrap();
    let o = fx.run(&["load", p.to_str().unwrap()]);
    assert_eq!(o.code, 3);
    assert!(o.err.contains("not a kernel module"), "{}", o.err);
    let flags = fx.module("m/flags.ko", "flags", "7.2.13-test SMP mod_unload ", &[]);
    let o = fx.run(&["load", flags.to_str().unwrap()]);
    assert_eq!(o.code, 3);
    assert!(
        o.err
            .contains("differs from the kernel's '7.2.13-test SMP preempt mod_unload'"),
        "{}",
        o.err
    );
    let o = fx.run(&["load", "m/missing.ko"]);
    assert_eq!(o.code, 1);
    assert!(o.err.contains("m/missing.ko: no such file"), "{}", o.err);
    let o = fx.run(&["load", "nosuchpatch"]);
    assert_eq!(o.code, 1);
    assert!(
        o.err
            .contains("'nosuchpatch' is not installed for 7.2.13-test"),
        "{}",
        o.err
    );
    assert_eq!(fx.log(), "", "nothing may be inserted");
    let o = fx.run(&["load"]);
    assert_eq!(o.code, 2);
    let o = fx.run(&["load", "--json", "x.ko"]);
    assert_eq!(o.code, 2);
    assert!(o.err.contains("--json is for"), "{}", o.err);
}

#[test]
fn load_inserts_the_runtime_then_waits_for_the_transition() {
    let fx = Fx::new("load-ok");
    let m = fx.module("m/p.ko", "p", VERMAGIC, &[]);
    write(&fx.p("m/p.ko.slow"), "");
    let o = fx.run(&["load", m.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(o.out.contains("loading the runtime"), "{}", o.out);
    assert!(
        o.out.contains("p: enabled, transition complete"),
        "{}",
        o.out
    );
    assert_eq!(fx.log(), "insmod livepatch.ko \ninsmod p.ko \n");
    assert_eq!(read(&fx.p("sys/kernel/livepatch/p/transition")), "0\n");
    let o = fx.run(&["load", m.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(o.err.contains("p is already loaded"), "{}", o.err);
}

#[test]
fn load_reports_a_missing_runtime_and_kernel_refusals() {
    let fx = Fx::new("load-noruntime");
    let m = fx.module("m/p.ko", "p", VERMAGIC, &[]);
    fs::remove_file(fx.p("lib/livepatch.ko")).unwrap();
    let o = fx.run(&["load", m.to_str().unwrap()]);
    assert_eq!(o.code, 7);
    assert!(
        o.err.contains("runtime is not loaded and")
            && o.err.contains("lib/livepatch.ko does not exist"),
        "{}",
        o.err
    );
    fx.runtime();
    write(
        &fx.p("m/p.ko.fail"),
        "insmod: ERROR: could not insert module: Device or resource busy",
    );
    let o = fx.run(&["load", m.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("cannot load") && o.err.contains("Device or resource busy"),
        "{}",
        o.err
    );
    fs::remove_file(fx.p("m/p.ko.fail")).unwrap();
    write(&fx.p("m/p.ko.noregister"), "");
    let o = fx.run(&["load", m.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(o.err.contains("registered no patch"), "{}", o.err);
    assert!(fx.log().ends_with("rmmod p\n"));
}

#[test]
fn load_reverts_a_stalled_transition_and_says_what_blocked() {
    let fx = Fx::new("load-stall");
    fx.runtime().simulate();
    let m = fx.module("m/p.ko", "p", VERMAGIC, &[]);
    write(
        &fx.p("m/p.ko.stall"),
        "52 cat sleeping-in f+0x6b/0xb0 [m]\n",
    );
    write(&fx.p("proc/52/stack"), "[<0>] f+0x6b/0xb0 [m]\n");
    let o = fx.run(&["load", "--timeout", "1", m.to_str().unwrap()]);
    assert_eq!(o.code, 4, "{}", o.err);
    assert!(
        o.out.contains(
            "p: patching, 1 task(s) pending after 0s:\n    52 cat sleeping-in f+0x6b/0xb0 [m]"
        ),
        "{}",
        o.out
    );
    assert!(
        o.err
            .contains("p not loaded: its transition stalled for 1s and was reverted; blocked by:"),
        "{}",
        o.err
    );
    assert!(
        o.err
            .contains("  52 cat sleeping-in f+0x6b/0xb0 [m]\n      [<0>] f+0x6b/0xb0 [m]"),
        "{}",
        o.err
    );
    assert!(!fx.p("sys/kernel/livepatch/p").exists());
    assert!(!fx.p("sys/module/p").exists());
    assert!(fx.log().ends_with("rmmod p\n"));
}

#[test]
fn load_says_when_the_revert_is_stuck_too() {
    let fx = Fx::new("load-stuck");
    fx.runtime().simulate();
    write(&fx.p("stuck"), "");
    let m = fx.module("m/p.ko", "p", VERMAGIC, &[]);
    write(&fx.p("m/p.ko.stall"), "52 cat running\n");
    let o = fx.run(&["load", "--timeout", "1", m.to_str().unwrap()]);
    assert_eq!(o.code, 8, "{}", o.err);
    assert!(
        o.err
            .contains("the revert stalled too: p is left disabled, in transition"),
        "{}",
        o.err
    );
}

#[test]
fn load_all_honours_livepatch_enable_0() {
    let fx = Fx::new("escape-hatch");
    fx.runtime();
    fx.installed("a");
    write(&fx.p("proc/cmdline"), "console=ttyS0 livepatch.enable=0\n");
    let o = fx.run(&["load", "--all"]);
    assert_eq!(o.code, 0);
    assert!(
        o.out
            .contains("livepatch.enable=0 on the kernel command line"),
        "{}",
        o.out
    );
    let o = fx.run(&["load", "a"]);
    assert_eq!(o.code, 6);
    assert!(o.err.contains("--ignore-cmdline overrides"), "{}", o.err);
    assert_eq!(fx.log(), "");
    assert_eq!(fx.run(&["check"]).code, 6);
    // The cmdline file is overridable (the VM test uses that).
    let alt = fx.p("alt-cmdline");
    write(&alt, "livepatch.enable=0 livepatch.enable=1\n");
    let o = Command::new(env!("CARGO_BIN_EXE_klpctl"))
        .args(["load", "--all"])
        .env("KLPCTL_ROOT", &fx.root)
        .env("KLPCTL_CMDLINE", &alt)
        .env("KLPCTL_INSMOD", fx.p("insmod"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(fx.log(), "insmod a.ko \n", "the last livepatch.enable wins");
    let o = fx.run(&["load", "--ignore-cmdline", "a"]);
    assert_eq!(o.code, 1, "already loaded");
}

#[test]
fn load_all_loads_the_fitting_ones_and_names_the_rest() {
    let fx = Fx::new("load-all");
    fx.installed("a");
    fx.installed("c");
    fx.module(
        &format!("var/lib/livepatch-rs/{REL}/b.ko"),
        "b",
        "7.2.12 SMP preempt mod_unload ",
        &[],
    );
    fx.module(
        "var/lib/livepatch-rs/7.2.12/old.ko",
        "old",
        "7.2.12 SMP preempt mod_unload ",
        &[],
    );
    let o = fx.run(&["load", "--all"]);
    assert_eq!(o.code, 3);
    assert!(
        o.err.contains(&format!(
            "{REL}/b.ko: built for kernel 7.2.12, the running kernel is {REL}"
        )),
        "{}",
        o.err
    );
    assert_eq!(
        fx.log(),
        "insmod livepatch.ko \ninsmod a.ko \ninsmod c.ko \n"
    );
    fs::remove_file(fx.p(&format!("var/lib/livepatch-rs/{REL}/b.ko"))).unwrap();
    let o = fx.run(&["load", "--all"]);
    assert_eq!(o.code, 0);
    assert!(
        o.out.contains("a: already loaded\nc: already loaded"),
        "{}",
        o.out
    );
    assert_eq!(fx.run(&["check"]).code, 0);
}

// ---- unload ----

#[test]
fn unload_disables_waits_and_removes() {
    let fx = Fx::new("unload");
    fx.runtime()
        .patch("a", true, false, false, 1)
        .patch("b", true, false, false, 2)
        .simulate();
    let o = fx.run(&["unload", "a"]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(o.out.contains("disabling a\na: unloaded"), "{}", o.out);
    assert!(!fx.p("sys/module/a").exists());
    let o = fx.run(&["unload", "a"]);
    assert_eq!(o.code, 1);
    assert!(o.err.contains("a is not loaded"), "{}", o.err);
    // A replaced patch: module loaded, no sysfs directory.
    write(&fx.p("sys/module/c/initstate"), "live\n");
    fx.installed("c");
    let o = fx.run(&["unload", "--all"]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(fx.log(), "rmmod a\nrmmod b\nrmmod c\n");
    let o = fx.run(&["unload", "--all"]);
    assert_eq!((o.code, o.out.as_str()), (0, "no patch loaded\n"));
}

#[test]
fn unload_re_enables_when_unpatching_stalls() {
    let fx = Fx::new("unload-stall");
    fx.runtime().patch("a", true, false, false, 1).simulate();
    write(&fx.p("stuck"), "");
    let o = fx.run(&["unload", "--timeout", "1", "a"]);
    assert_eq!(o.code, 4, "{}", o.err);
    assert!(
        o.out.contains("a: unpatching, 1 task(s) pending"),
        "{}",
        o.out
    );
    assert!(
        o.err
            .contains("a is still loaded and enabled: its unpatching stalled for 1s"),
        "{}",
        o.err
    );
    assert!(
        o.err.contains("77 cat sleeping-in new_f+0x1/0x2 [a]"),
        "{}",
        o.err
    );
    assert_eq!(read(&fx.p("sys/kernel/livepatch/a/enabled")), "1\n");
    assert_eq!(read(&fx.p("sys/kernel/livepatch/a/transition")), "0\n");
    assert_eq!(fx.log(), "");
}

// ---- install, uninstall, info ----

#[test]
fn install_and_uninstall_per_release() {
    let fx = Fx::new("install");
    let a = fx.module("m/a.ko", "a", VERMAGIC, &[]);
    let old = fx.module("m/old.ko", "old", "7.2.12 SMP", &[]);
    let o = fx.run(&["install", a.to_str().unwrap(), old.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(
        o.out
            .contains("installed old for 7.2.12 (not the running kernel, 7.2.13-test)"),
        "{}",
        o.out
    );
    assert!(fx.p(&format!("var/lib/livepatch-rs/{REL}/a.ko")).is_file());
    assert!(fx.p("var/lib/livepatch-rs/7.2.12/old.ko").is_file());
    let plain = fx.p("m/plain.ko");
    fs::write(
        &plain,
        fake_module(&[("name", "plain"), ("vermagic", VERMAGIC)]),
    )
    .unwrap();
    let o = fx.run(&["install", plain.to_str().unwrap()]);
    assert_eq!(o.code, 3);
    assert!(
        o.err.contains("not a livepatch-rs patch module"),
        "{}",
        o.err
    );
    let o = fx.run(&["uninstall", "a"]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(!fx.p(&format!("var/lib/livepatch-rs/{REL}/a.ko")).exists());
    let o = fx.run(&["uninstall", "a"]);
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("a is not installed for 7.2.13-test"),
        "{}",
        o.err
    );
    assert_eq!(fx.run(&["uninstall", "--release", "7.2.12", "old"]).code, 0);
}

#[test]
fn info_shows_modinfo_fields() {
    let fx = Fx::new("info");
    fx.module(
        &format!("var/lib/livepatch-rs/{REL}/a.ko"),
        "a",
        VERMAGIC,
        &[
            ("version", "lp3"),
            ("description", "fix it"),
            ("cve", "CVE-2026-0001"),
            ("cve", "CVE-2026-0002"),
        ],
    );
    let o = fx.run(&["info", "a"]);
    assert_eq!(o.code, 0);
    assert!(
        o.out
            .contains("version: lp3\ndescription: fix it\ncve: CVE-2026-0001\ncve: CVE-2026-0002"),
        "{}",
        o.out
    );
    let j = fx.run(&["info", "--json", "a"]).json();
    assert_eq!(j["livepatch_rs"], true);
    assert_eq!(j["modinfo"]["version"], "lp3");
    assert_eq!(j["modinfo"]["cve"][1], "CVE-2026-0002");
    write(&fx.p("m/bad.ko"), "\x7fELF");
    let o = fx.run(&["info", fx.p("m/bad.ko").to_str().unwrap()]);
    assert_eq!(o.code, 3);
    assert!(
        o.err
            .contains("bad.ko: not a kernel module for this machine"),
        "{}",
        o.err
    );
    assert_eq!(fx.run(&["info", "b"]).code, 1);
}

// ---- check, uname ----

#[test]
fn check_exit_codes() {
    let fx = Fx::new("check");
    assert_eq!(fx.run(&["check"]).code, 0, "nothing installed");
    fx.installed("a");
    let o = fx.run(&["check", "-v"]);
    assert_eq!(o.code, 7);
    assert!(o.err.contains("runtime is not loaded"), "{}", o.err);
    fx.runtime();
    let o = fx.run(&["check", "--verbose"]);
    assert_eq!(o.code, 5);
    assert!(o.err.contains("a is not loaded"), "{}", o.err);
    assert_eq!(o.out, "");
    fx.patch("a", true, true, false, 1);
    write(
        &fx.p("sys/kernel/debug/livepatch/pending"),
        "# a patching\n5 x running\n",
    );
    let o = fx.run(&["check", "-v"]);
    assert_eq!(o.code, 5);
    assert!(
        o.err.contains("a is patching (1 task(s) pending)"),
        "{}",
        o.err
    );
    write(&fx.p("sys/kernel/debug/livepatch/pending"), "");
    write(&fx.p("sys/kernel/livepatch/a/transition"), "0\n");
    let o = fx.run(&["check"]);
    assert_eq!((o.code, o.out.as_str(), o.err.as_str()), (0, "", ""));
    // Replaced by a cumulative patch: the module stays, sysfs goes.
    fx.installed("r");
    assert_eq!(fx.run(&["check"]).code, 5);
    fx.patch("r", true, false, true, 2);
    fs::remove_dir_all(fx.p("sys/kernel/livepatch/a")).unwrap();
    assert_eq!(fx.run(&["check", "-v"]).code, 0);
    fs::remove_dir_all(fx.p("sys/module/a")).unwrap();
    assert_eq!(fx.run(&["check"]).code, 5, "a is not loaded at all");
    write(&fx.p("sys/kernel/livepatch/r/transition"), "2\n");
    assert_eq!(fx.run(&["check"]).code, 1, "malformed");
}

#[test]
fn uname_adds_the_newest_cumulative_patch() {
    let fx = Fx::new("uname");
    assert_eq!(fx.run(&["uname"]).out, format!("{REL}\n"));
    fx.runtime().patch("a", true, false, false, 1);
    assert_eq!(
        fx.run(&["uname"]).out,
        format!("{REL}\n"),
        "not a replace patch"
    );
    fx.patch("r1", true, false, true, 2)
        .patch("r2", true, true, true, 3);
    write(&fx.p("sys/module/r1/version"), "lp1\n");
    write(&fx.p("sys/module/r2/version"), "lp2\n");
    assert_eq!(fx.run(&["uname"]).out, format!("{REL}+lp2\n"));
    fs::remove_file(fx.p("sys/module/r2/version")).unwrap();
    assert_eq!(
        fx.run(&["uname"]).out,
        format!("{REL}+r2\n"),
        "no version: the patch name"
    );
    let j = fx.run(&["uname", "--json"]).json();
    assert_eq!(j["release"], REL);
    assert_eq!(j["effective"], format!("{REL}+r2"));
    assert_eq!(j["patch"], "r2");
    assert_eq!(j["version"], Value::Null);
    assert_eq!(j["in_transition"], true);
}
