//! klpctl: load, unload, inspect and install livepatch-rs patches.
//! See README.md ("klpctl") for the commands and exit codes.

pub mod exit;
pub mod kernel;
pub mod modinfo;
pub mod state;

use clap::{Parser, Subcommand};
use exit::*;
use kernel::{Until, Wait};
use modinfo::ModInfo;
use serde_json::{json, Value};
use state::{Env, Installed, Patch, Pending};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "klpctl", version, about = "Manage livepatch-rs live patches")]
#[command(
    after_help = "Exit codes: 0 ok, 1 failed, 2 usage, 3 module refused (not a livepatch-rs patch, other kernel), \
4 transition stalled and reverted, 5 check: not all installed patches loaded and idle, \
6 disabled by livepatch.enable=0, 7 runtime not loaded and not loadable, 8 revert stuck (patch left in transition)"
)]
struct Cli {
    /// JSON output (status, list, info, blocking, uname)
    #[arg(long, global = true)]
    json: bool,
    /// Work on a tree below DIR instead of / (tests); also KLPCTL_ROOT
    #[arg(long, global = true, hide = true, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Loaded patches in detail (objects, functions, transition), installed patches
    Status,
    /// Loaded patches and installed patches (this and other kernels)
    List,
    /// Validate, insert and enable patch modules, waiting for the transition
    Load {
        /// Every patch installed for the running kernel (at boot)
        #[arg(long, conflicts_with = "modules")]
        all: bool,
        /// .ko files, or names of patches installed for the running kernel
        #[arg(required_unless_present = "all")]
        modules: Vec<String>,
        /// Seconds to wait for a transition before reverting it
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
        /// Load even with livepatch.enable=0 on the kernel command line
        #[arg(long)]
        ignore_cmdline: bool,
    },
    /// Disable and remove patches, waiting for the transition
    Unload {
        /// Every loaded patch, newest first
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Patch (module) names or .ko files
        #[arg(required_unless_present = "all")]
        names: Vec<String>,
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Install patch modules for `load --all` (under /var/lib/livepatch-rs/<release>/)
    Install {
        #[arg(required = true)]
        modules: Vec<PathBuf>,
    },
    /// Remove installed patches (they stay loaded until `klpctl unload`)
    Uninstall {
        #[arg(required = true)]
        names: Vec<String>,
        /// Kernel release (default: the running one)
        #[arg(long)]
        release: Option<String>,
    },
    /// Patch metadata from modinfo (version, description, custom fields)
    Info {
        /// .ko file or installed patch name
        module: String,
    },
    /// Exit 0 when every patch installed for this kernel is loaded, enabled and idle
    Check {
        /// Say why on stderr
        #[arg(short, long)]
        verbose: bool,
    },
    /// Tasks holding up a transition, with their kernel stacks
    Blocking,
    /// Effective patch level: the release plus the newest cumulative patch's version
    Uname,
    /// Escalate the transition in progress now: pending user tasks get a
    /// fake signal, pending kthreads a wake-up (what the runtime does on its
    /// own every signal_rounds rounds)
    Signal,
}

/// Runs klpctl with these arguments; returns the exit code.
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { USAGE } else { OK };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("klpctl: {}", f.msg);
            f.code
        }
    }
}

fn run(cli: Cli) -> Res<i32> {
    let read_cmd = matches!(
        cli.cmd,
        Cmd::Status | Cmd::List | Cmd::Info { .. } | Cmd::Blocking | Cmd::Uname
    );
    if cli.json && !read_cmd {
        return Err(Fail::new(
            USAGE,
            "--json is for status, list, info, blocking and uname",
        ));
    }
    let env = Env::new(cli.root)?;
    let j = cli.json;
    match cli.cmd {
        Cmd::Status => status(&env, j),
        Cmd::List => list(&env, j),
        Cmd::Load {
            all,
            modules,
            timeout,
            ignore_cmdline,
        } => load(&env, all, &modules, secs(timeout), ignore_cmdline),
        Cmd::Unload {
            all,
            names,
            timeout,
        } => unload(&env, all, &names, secs(timeout)),
        Cmd::Install { modules } => install(&env, &modules),
        Cmd::Uninstall { names, release } => uninstall(&env, &names, release),
        Cmd::Info { module } => info(&env, &module, j),
        Cmd::Check { verbose } => check(&env, verbose),
        Cmd::Blocking => blocking(&env, j),
        Cmd::Uname => uname(&env, j),
        Cmd::Signal => signal(&env),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).expect("JSON"));
}

fn onoff(b: bool, on: &'static str, off: &'static str) -> &'static str {
    if b {
        on
    } else {
        off
    }
}

// ---- reading ----

/// The version of a loaded or installed patch module.
fn version_of(env: &Env, name: &str, release: &str) -> Option<String> {
    env.module_version(name).or_else(|| {
        state::installed_for(env, release)
            .ok()?
            .into_iter()
            .find(|i| i.name == name)
            .and_then(|i| i.info.ok()?.get("version").map(str::to_string))
    })
}

fn installed_json(env: &Env, inst: &[Installed], release: &str) -> Vec<Value> {
    inst.iter()
        .map(|i| {
            let ok = i.info.as_ref().ok();
            json!({
                "name": i.name,
                "release": i.release,
                "file": i.file,
                "running_kernel": i.release == release,
                "loaded": i.release == release && env.module_loaded(&i.name),
                "version": ok.and_then(|m| m.get("version")),
                "error": i.info.as_ref().err().cloned().or_else(|| mismatch(i)),
            })
        })
        .collect()
}

/// Why an installed file does not fit the release directory it is in.
fn mismatch(i: &Installed) -> Option<String> {
    let m = i.info.as_ref().ok()?;
    if !m.is_livepatch_rs() {
        return Some("not a livepatch-rs patch module".into());
    }
    match m.release() {
        Some(r) if r == i.release => None,
        Some(r) => Some(format!("built for kernel {r}")),
        None => Some("no vermagic in modinfo".into()),
    }
}

fn list(env: &Env, json: bool) -> Res<i32> {
    let release = env.release()?;
    let patches = Patch::all(env)?;
    let inst = state::installed(env)?;
    if json {
        print_json(&json!({
            "release": release,
            "runtime_loaded": env.runtime_loaded(),
            "loaded": patches.iter().map(|p| json!({
                "name": p.name, "enabled": p.enabled, "transition": p.transition,
                "replace": p.replace, "stack_order": p.stack_order,
                "version": version_of(env, &p.name, &release),
            })).collect::<Vec<_>>(),
            "installed": installed_json(env, &inst, &release),
        }));
        return Ok(OK);
    }
    print_loaded_summary(env, &patches, &release);
    print_installed(env, &inst, &release);
    Ok(OK)
}

fn print_loaded_summary(env: &Env, patches: &[Patch], release: &str) {
    if !env.runtime_loaded() {
        println!("runtime: not loaded (no {})", env.livepatch_dir().display());
    }
    println!("loaded patches:");
    if patches.is_empty() {
        println!("  (none)");
    }
    for p in patches {
        let v = version_of(env, &p.name, release)
            .map(|v| format!(" version {v}"))
            .unwrap_or_default();
        println!(
            "  {} {} {}{}{}",
            p.name,
            onoff(p.enabled, "enabled", "disabled"),
            onoff(p.transition, "in-transition", "idle"),
            onoff(p.replace, " replace", ""),
            v
        );
    }
}

fn print_installed(env: &Env, inst: &[Installed], release: &str) {
    let mut releases: Vec<&str> = inst.iter().map(|i| i.release.as_str()).collect();
    releases.dedup();
    if !releases.contains(&release) {
        println!("installed for {release} (running): (none)");
    }
    for r in releases {
        println!(
            "installed for {r}{}:",
            onoff(r == release, " (running)", "")
        );
        for i in inst.iter().filter(|i| i.release == r) {
            let what = match (
                i.info.as_ref().err().cloned().or_else(|| mismatch(i)),
                r == release,
            ) {
                (Some(e), _) => format!("INVALID: {e}"),
                (None, true) => {
                    onoff(env.module_loaded(&i.name), "loaded", "not loaded").to_string()
                }
                (None, false) => String::new(),
            };
            println!("{}", format!("  {} {what}", i.name).trim_end());
        }
    }
}

fn status(env: &Env, json: bool) -> Res<i32> {
    let release = env.release()?;
    let patches = Patch::all(env)?;
    let pending = Pending::read(env)?;
    let inst = state::installed(env)?;
    let disabled = env.disabled_by_cmdline().ok();
    if json {
        print_json(&json!({
            "release": release,
            "runtime_loaded": env.runtime_loaded(),
            "disabled_by_cmdline": disabled,
            "patches": patches.iter().map(|p| p.to_json(version_of(env, &p.name, &release))).collect::<Vec<_>>(),
            "transition": pending.as_ref().map(|p| p.to_json(None)),
            "installed": installed_json(env, &inst, &release),
        }));
        return Ok(OK);
    }
    println!("kernel: {release}");
    println!(
        "runtime: {}",
        onoff(env.runtime_loaded(), "loaded", "not loaded")
    );
    if disabled == Some(true) {
        println!("livepatch.enable=0 on the kernel command line: `load` refuses, `load --all` loads nothing");
    }
    for p in &patches {
        let v = version_of(env, &p.name, &release)
            .map(|v| format!(", version {v}"))
            .unwrap_or_default();
        println!(
            "patch {}: {}, {}, stack_order {}{}{}{}",
            p.name,
            onoff(p.enabled, "enabled", "disabled"),
            onoff(p.transition, "in transition", "idle"),
            p.stack_order,
            onoff(p.replace, ", replace", ""),
            match p.escalate {
                Some(false) => ", escalate 0",
                _ => "",
            },
            v
        );
        for o in &p.objects {
            println!(
                "  {} ({})",
                o.name,
                onoff(o.patched, "patched", "not patched")
            );
            for f in &o.funcs {
                println!("    {},{}", f.name, f.sympos);
            }
        }
    }
    if patches.is_empty() {
        println!("no patch loaded");
    }
    if let Some(p) = &pending {
        println!(
            "transition: {} {}, {} task(s) pending (see `klpctl blocking`)",
            p.patch,
            p.mode,
            p.tasks.len()
        );
    }
    print_installed(env, &inst, &release);
    Ok(OK)
}

fn blocking(env: &Env, json: bool) -> Res<i32> {
    let pending = Pending::read(env)?;
    if json {
        let stacks = |pid: u32| match kernel::stack(env, pid) {
            Ok(l) => json!(l),
            Err(_) => Value::Null,
        };
        print_json(&json!({"transition": pending.as_ref().map(|p| p.to_json(Some(&stacks)))}));
        return Ok(OK);
    }
    match pending {
        None => println!("no transition in progress"),
        Some(p) => {
            println!("{} {}: {} task(s) pending", p.patch, p.mode, p.tasks.len());
            if !p.tasks.is_empty() {
                println!("{}", kernel::report_tasks(env, &p.tasks));
            }
        }
    }
    Ok(OK)
}

fn signal(env: &Env) -> Res<i32> {
    let Some(p) = Pending::read(env)? else {
        return Err(Fail::new(
            FAILED,
            "no transition in progress: nothing to signal",
        ));
    };
    let f = env.signal_file();
    std::fs::write(&f, "1\n")
        .map_err(|e| Fail::new(FAILED, format!("cannot write {}: {e}", f.display())))?;
    println!(
        "{} {}: signalled the {} pending task(s)",
        p.patch,
        p.mode,
        p.tasks.len()
    );
    Ok(OK)
}

fn uname(env: &Env, json: bool) -> Res<i32> {
    let release = env.release()?;
    let newest = Patch::all(env)?
        .into_iter()
        .filter(|p| p.enabled && p.replace)
        .max_by_key(|p| p.stack_order);
    let version = newest
        .as_ref()
        .and_then(|p| version_of(env, &p.name, &release));
    let effective = match (&newest, &version) {
        (Some(_), Some(v)) => format!("{release}+{v}"),
        (Some(p), None) => format!("{release}+{}", p.name),
        _ => release.clone(),
    };
    if json {
        print_json(&json!({
            "release": release,
            "effective": effective,
            "patch": newest.as_ref().map(|p| &p.name),
            "version": version,
            "in_transition": newest.as_ref().map(|p| p.transition),
        }));
    } else {
        println!("{effective}");
    }
    Ok(OK)
}

fn info(env: &Env, arg: &str, json: bool) -> Res<i32> {
    let file = resolve(env, arg)?;
    let m = ModInfo::read(&file).map_err(|e| Fail::new(REFUSED, e))?;
    if json {
        print_json(
            &json!({"file": file, "livepatch_rs": m.is_livepatch_rs(), "modinfo": m.to_json()}),
        );
    } else {
        println!("file: {}", file.display());
        for (k, v) in &m.fields {
            println!("{k}: {v}");
        }
    }
    Ok(OK)
}

fn check(env: &Env, verbose: bool) -> Res<i32> {
    let say = |code: i32, why: String| {
        if verbose {
            eprintln!("klpctl check: {why}");
        }
        Ok(code)
    };
    if env.disabled_by_cmdline()? {
        return say(
            DISABLED,
            format!("livepatch.enable=0 in {}", env.cmdline.display()),
        );
    }
    let release = env.release()?;
    let inst = state::installed_for(env, &release)?;
    if !inst.is_empty() && !env.runtime_loaded() {
        return say(NO_RUNTIME, "the livepatch-rs runtime is not loaded".into());
    }
    let mut problems = Vec::new();
    // A patch that a cumulative one replaced is gone from sysfs, its
    // module still loaded: that is as good as loaded.
    let replaced = Patch::all(env)?.iter().any(|p| p.enabled && p.replace);
    for i in &inst {
        if let Some(e) = i.info.as_ref().err().cloned().or_else(|| mismatch(i)) {
            problems.push(format!("{}: {e}", i.file.display()));
        } else if !env.patch_dir(&i.name).exists() {
            if !(replaced && env.module_loaded(&i.name)) {
                problems.push(format!("{} is not loaded", i.name));
            }
        } else {
            let p = Patch::read(env, &i.name)?;
            if !p.enabled {
                problems.push(format!("{} is being disabled", i.name));
            }
        }
    }
    if let Some(p) = Pending::read(env)? {
        problems.push(format!(
            "{} is {} ({} task(s) pending)",
            p.patch,
            p.mode,
            p.tasks.len()
        ));
    }
    if problems.is_empty() {
        return say(
            OK,
            format!("{} installed patch(es) loaded and idle", inst.len()),
        );
    }
    say(NOT_CURRENT, problems.join("; "))
}

// ---- changing ----

/// A .ko path as given, or an installed patch of the running kernel.
fn resolve(env: &Env, arg: &str) -> Res<PathBuf> {
    if arg.contains('/') || arg.ends_with(".ko") {
        let p = PathBuf::from(arg);
        if !p.is_file() {
            return Err(Fail::new(FAILED, format!("{arg}: no such file")));
        }
        return Ok(p);
    }
    let release = env.release()?;
    let dir = env.release_dir(&release);
    state::installed_for(env, &release)?
        .into_iter()
        .find(|i| i.name == arg)
        .map(|i| i.file)
        .ok_or_else(|| {
            Fail::new(
                FAILED,
                format!("'{arg}' is not installed for {release} (nothing in {}); give the path of a .ko file", dir.display()),
            )
        })
}

/// What `load` checks before inserting: a livepatch-rs patch module built
/// for the running kernel. Returns its module name.
fn validate(env: &Env, file: &Path, release: &str) -> Res<String> {
    let refuse = |why: String| Fail::new(REFUSED, format!("{}: {why}", file.display()));
    let m = ModInfo::read(file).map_err(|e| Fail::new(REFUSED, e))?;
    if !m.is_livepatch_rs() {
        return Err(refuse(if m.get("livepatch") == Some("Y") {
            "an upstream livepatch module (modinfo livepatch: Y), not a livepatch-rs one: build it with KLP_PATCH_MODULE()".into()
        } else {
            "not a livepatch-rs patch module (no 'livepatch_rs: Y' in its modinfo)".into()
        }));
    }
    let name = m
        .name()
        .ok_or_else(|| refuse("no module name in its modinfo".into()))?
        .to_string();
    match m.release() {
        None => return Err(refuse("no vermagic in its modinfo".into())),
        Some(r) if r != release => {
            return Err(refuse(format!(
                "built for kernel {r}, the running kernel is {release}"
            )))
        }
        Some(_) => {}
    }
    // The rest of vermagic (SMP, preempt, ...) must match the kernel's too;
    // the runtime module of this release has the kernel's.
    if let Ok(rt) = env.runtime_path() {
        if let Ok(r) = ModInfo::read(&rt) {
            let (a, b) = (
                m.get("vermagic").unwrap_or(""),
                r.get("vermagic").unwrap_or(""),
            );
            if r.release() == Some(release) && a.trim() != b.trim() {
                return Err(refuse(format!(
                    "vermagic '{}' differs from the kernel's '{}' (in {})",
                    a.trim(),
                    b.trim(),
                    rt.display()
                )));
            }
        }
    }
    Ok(name)
}

fn ensure_runtime(env: &Env, release: &str) -> Res<()> {
    if env.runtime_loaded() {
        return Ok(());
    }
    let rt = env.runtime_path()?;
    let no = |why: String| Fail::new(NO_RUNTIME, why);
    if !rt.is_file() {
        return Err(no(format!(
            "the livepatch-rs runtime is not loaded and {} does not exist (`make install`, or set KLPCTL_RUNTIME)",
            rt.display()
        )));
    }
    let m = ModInfo::read(&rt).map_err(no)?;
    if m.release() != Some(release) {
        return Err(no(format!(
            "the runtime {} is built for kernel {}, the running kernel is {release}",
            rt.display(),
            m.release().unwrap_or("?")
        )));
    }
    println!("loading the runtime {}", rt.display());
    kernel::insert(env, &rt, &env.runtime_params)
        .map_err(|e| no(format!("cannot load the runtime {}: {e}", rt.display())))?;
    if !env.runtime_loaded() {
        return Err(no(format!(
            "{} loaded but {} did not appear: is it livepatch-rs's livepatch.ko?",
            rt.display(),
            env.livepatch_dir().display()
        )));
    }
    Ok(())
}

fn loaded(env: &Env, name: &str) -> bool {
    env.patch_dir(name).exists() || env.module_loaded(name)
}

fn load_one(env: &Env, file: &Path, name: &str, release: &str, timeout: Duration) -> Res<()> {
    ensure_runtime(env, release)?;
    println!("loading {name} ({})", file.display());
    kernel::insert(env, file, "")
        .map_err(|e| Fail::new(FAILED, format!("cannot load {}: {e}", file.display())))?;
    if !env.patch_dir(name).exists() {
        let _ = kernel::remove(env, name);
        return Err(Fail::new(
            FAILED,
            format!(
                "{name} was inserted but registered no patch in {}; removed it",
                env.livepatch_dir().display()
            ),
        ));
    }
    match kernel::wait(env, name, Until::Idle, timeout)? {
        Wait::Done => {
            println!("{name}: enabled, transition complete");
            Ok(())
        }
        Wait::Vanished => Err(Fail::new(
            FAILED,
            format!(
                "{name}: the patch went away during its transition (disabled by someone else?)"
            ),
        )),
        Wait::Stalled(tasks) => {
            let blocked = kernel::report_tasks(env, &tasks);
            let t = timeout.as_secs();
            println!("{name}: transition stalled for {t}s, reverting it (enabled = 0)");
            let stuck = |why: String| {
                Fail::new(
                    STUCK,
                    format!(
                        "{name}: transition stalled for {t}s and {why}; blocked by:\n{blocked}"
                    ),
                )
            };
            state::write_attr(&env.patch_dir(name).join("enabled"), "0")
                .map_err(|e| stuck(format!("reverting failed: {}", e.msg)))?;
            match kernel::wait(env, name, Until::Gone, timeout)? {
                Wait::Done => {}
                _ => return Err(stuck(format!("the revert stalled too: {name} is left disabled, in transition (see `klpctl blocking`)"))),
            }
            kernel::remove(env, name).map_err(|e| {
                stuck(format!(
                    "was reverted, but module {name} could not be removed: {e}"
                ))
            })?;
            Err(Fail::new(
                STALLED,
                format!("{name} not loaded: its transition stalled for {t}s and was reverted; blocked by:\n{blocked}"),
            ))
        }
    }
}

fn load(
    env: &Env,
    all: bool,
    args: &[String],
    timeout: Duration,
    ignore_cmdline: bool,
) -> Res<i32> {
    if !ignore_cmdline && env.disabled_by_cmdline()? {
        let msg = format!(
            "livepatch.enable=0 on the kernel command line ({}): not loading",
            env.cmdline.display()
        );
        if all {
            println!("{msg} any patch");
            return Ok(OK);
        }
        return Err(Fail::new(
            DISABLED,
            format!("{msg} (--ignore-cmdline overrides)"),
        ));
    }
    let release = env.release()?;
    let mut worst = OK;
    let mut note = |f: Fail| {
        eprintln!("klpctl: {}", f.msg);
        worst = worst.max(f.code);
    };
    if all {
        let inst = state::installed_for(env, &release)?;
        if inst.is_empty() {
            println!(
                "no patch installed for {release} (in {})",
                env.release_dir(&release).display()
            );
        }
        for i in inst {
            match validate(env, &i.file, &release) {
                Err(f) => note(f),
                Ok(name) if loaded(env, &name) => println!("{name}: already loaded"),
                Ok(name) => {
                    if let Err(f) = load_one(env, &i.file, &name, &release, timeout) {
                        note(f)
                    }
                }
            }
        }
        return Ok(worst);
    }
    for a in args {
        let r = resolve(env, a).and_then(|file| {
            let name = validate(env, &file, &release)?;
            if loaded(env, &name) {
                return Err(Fail::new(FAILED, format!("{name} is already loaded")));
            }
            load_one(env, &file, &name, &release, timeout)
        });
        if let Err(f) = r {
            note(f)
        }
    }
    Ok(worst)
}

fn unload_one(env: &Env, name: &str, timeout: Duration) -> Res<()> {
    let dir = env.patch_dir(name);
    if dir.exists() {
        let p = Patch::read(env, name)?;
        if p.enabled {
            println!("disabling {name}");
            state::write_attr(&dir.join("enabled"), "0")?;
        }
        if let Wait::Stalled(tasks) = kernel::wait(env, name, Until::Gone, timeout)? {
            let blocked = kernel::report_tasks(env, &tasks);
            let t = timeout.as_secs();
            println!("{name}: unpatching stalled for {t}s, reverting it (enabled = 1)");
            let stuck = |why: String| {
                Fail::new(
                    STUCK,
                    format!(
                        "{name}: unpatching stalled for {t}s and {why}; blocked by:\n{blocked}"
                    ),
                )
            };
            state::write_attr(&dir.join("enabled"), "1")
                .map_err(|e| stuck(format!("re-enabling failed: {}", e.msg)))?;
            return match kernel::wait(env, name, Until::Idle, timeout)? {
                Wait::Done => Err(Fail::new(
                    STALLED,
                    format!("{name} is still loaded and enabled: its unpatching stalled for {t}s and was reverted; blocked by:\n{blocked}"),
                )),
                _ => Err(stuck("re-enabling stalled too (see `klpctl blocking`)".into())),
            };
        }
    } else if !env.module_loaded(name) {
        return Err(Fail::new(FAILED, format!("{name} is not loaded")));
    }
    kernel::remove(env, name).map_err(|e| kernel::fail_remove(name, e))?;
    println!("{name}: unloaded");
    Ok(())
}

fn unload(env: &Env, all: bool, args: &[String], timeout: Duration) -> Res<i32> {
    let mut names = Vec::new();
    if all {
        let release = env.release()?;
        names.extend(Patch::all(env)?.into_iter().rev().map(|p| p.name));
        // Modules of patches that were disabled or replaced.
        for i in state::installed_for(env, &release)? {
            if env.module_loaded(&i.name) && !names.contains(&i.name) {
                names.push(i.name);
            }
        }
        if names.is_empty() {
            println!("no patch loaded");
        }
    } else {
        for a in args {
            if a.contains('/') || a.ends_with(".ko") {
                let m = ModInfo::read(Path::new(a)).map_err(|e| Fail::new(FAILED, e))?;
                names.push(
                    m.name()
                        .ok_or_else(|| {
                            Fail::new(FAILED, format!("{a}: no module name in its modinfo"))
                        })?
                        .to_string(),
                );
            } else {
                names.push(a.clone());
            }
        }
    }
    let mut worst = OK;
    for n in names {
        if let Err(f) = unload_one(env, &n, timeout) {
            eprintln!("klpctl: {}", f.msg);
            worst = worst.max(f.code);
        }
    }
    Ok(worst)
}

fn install(env: &Env, files: &[PathBuf]) -> Res<i32> {
    let running = env.release()?;
    for f in files {
        let refuse = |why: String| Fail::new(REFUSED, format!("{}: {why}", f.display()));
        let m = ModInfo::read(f).map_err(|e| Fail::new(REFUSED, e))?;
        if !m.is_livepatch_rs() {
            return Err(refuse(
                "not a livepatch-rs patch module (no 'livepatch_rs: Y' in its modinfo)".into(),
            ));
        }
        let name = m
            .name()
            .ok_or_else(|| refuse("no module name in its modinfo".into()))?;
        let release = m
            .release()
            .ok_or_else(|| refuse("no vermagic in its modinfo".into()))?;
        if release.contains('/')
            || release.starts_with('.')
            || name.contains('/')
            || name.starts_with('.')
        {
            return Err(refuse("bad name or release in its modinfo".into()));
        }
        let dir = env.release_dir(release);
        let dest = dir.join(format!("{name}.ko"));
        let tmp = dir.join(format!(".{name}.ko.tmp"));
        let io = |e: std::io::Error, what: &Path| {
            Fail::new(FAILED, format!("cannot write {}: {e}", what.display()))
        };
        std::fs::create_dir_all(&dir).map_err(|e| io(e, &dir))?;
        std::fs::copy(f, &tmp).map_err(|e| io(e, &tmp))?;
        std::fs::rename(&tmp, &dest).map_err(|e| io(e, &dest))?;
        let other = if release == running {
            String::new()
        } else {
            format!(" (not the running kernel, {running})")
        };
        println!("installed {name} for {release}{other}: {}", dest.display());
    }
    Ok(OK)
}

fn uninstall(env: &Env, names: &[String], release: Option<String>) -> Res<i32> {
    let release = match release {
        Some(r) => r,
        None => env.release()?,
    };
    for n in names {
        let Some(i) = state::installed_for(env, &release)?
            .into_iter()
            .find(|i| &i.name == n)
        else {
            return Err(Fail::new(
                FAILED,
                format!(
                    "{n} is not installed for {release} (in {})",
                    env.release_dir(&release).display()
                ),
            ));
        };
        std::fs::remove_file(&i.file)
            .map_err(|e| Fail::new(FAILED, format!("cannot remove {}: {e}", i.file.display())))?;
        let still = if env.module_loaded(n) {
            " (still loaded: `klpctl unload` removes it)"
        } else {
            ""
        };
        println!("uninstalled {n} for {release}{still}");
    }
    Ok(OK)
}
