//! Where klpctl looks (the paths, all below a root directory so tests can use
//! a fake tree) and what it reads there: patches in sysfs, the pending-task
//! file, installed patch files.

use crate::exit::{Fail, Res, FAILED};
use crate::modinfo::ModInfo;
use std::fs;
use std::path::{Path, PathBuf};

/// The system klpctl works on. Every path is below `root` ("/" normally).
pub struct Env {
    pub root: PathBuf,
    /// The kernel command line (`<root>/proc/cmdline`, or `KLPCTL_CMDLINE`).
    pub cmdline: PathBuf,
    /// Installed patches: `<state_dir>/<release>/<name>.ko`.
    pub state_dir: PathBuf,
    /// livepatch.ko, inserted when the runtime is not loaded
    /// (`KLPCTL_RUNTIME`; default: see [`Env::runtime_path`]).
    pub runtime: Option<PathBuf>,
    pub runtime_params: String,
    /// Programs to run instead of the finit_module/delete_module system calls
    /// (`KLPCTL_INSMOD FILE PARAMS`, `KLPCTL_RMMOD NAME`): tests.
    pub insmod: Option<String>,
    pub rmmod: Option<String>,
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Env {
    pub fn new(root: Option<PathBuf>) -> Res<Env> {
        let root = root
            .or_else(|| env_path("KLPCTL_ROOT"))
            .unwrap_or_else(|| "/".into());
        Ok(Env {
            cmdline: env_path("KLPCTL_CMDLINE").unwrap_or_else(|| root.join("proc/cmdline")),
            state_dir: env_path("KLPCTL_STATE_DIR")
                .unwrap_or_else(|| root.join("var/lib/livepatch-rs")),
            runtime: env_path("KLPCTL_RUNTIME"),
            runtime_params: std::env::var("KLPCTL_RUNTIME_PARAMS").unwrap_or_default(),
            insmod: std::env::var("KLPCTL_INSMOD")
                .ok()
                .filter(|s| !s.is_empty()),
            rmmod: std::env::var("KLPCTL_RMMOD").ok().filter(|s| !s.is_empty()),
            root,
        })
    }

    /// livepatch.ko: `KLPCTL_RUNTIME`, else where `make install` puts it.
    pub fn runtime_path(&self) -> Res<PathBuf> {
        match &self.runtime {
            Some(p) => Ok(p.clone()),
            None => Ok(self.path(&format!(
                "lib/modules/{}/extra/livepatch.ko",
                self.release()?
            ))),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn livepatch_dir(&self) -> PathBuf {
        self.path("sys/kernel/livepatch")
    }

    pub fn patch_dir(&self, name: &str) -> PathBuf {
        self.livepatch_dir().join(name)
    }

    pub fn pending_file(&self) -> PathBuf {
        self.path("sys/kernel/debug/livepatch/pending")
    }

    /// Writing it escalates the transition in progress now.
    pub fn signal_file(&self) -> PathBuf {
        self.path("sys/kernel/debug/livepatch/signal")
    }

    /// The running kernel's release (`uname -r`).
    pub fn release(&self) -> Res<String> {
        let p = self.path("proc/sys/kernel/osrelease");
        let s = read(&p)?;
        let r = s.trim();
        if r.is_empty() || r.contains(char::is_whitespace) {
            return Err(malformed(&p, &s));
        }
        Ok(r.to_string())
    }

    pub fn runtime_loaded(&self) -> bool {
        self.livepatch_dir().is_dir()
    }

    /// A module (not a built-in) of that name is loaded.
    pub fn module_loaded(&self, name: &str) -> bool {
        self.path("sys/module")
            .join(name)
            .join("initstate")
            .exists()
    }

    /// `MODULE_VERSION` of a loaded module, from sysfs.
    pub fn module_version(&self, name: &str) -> Option<String> {
        let v = fs::read_to_string(self.path("sys/module").join(name).join("version")).ok()?;
        Some(v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// `livepatch.enable=0` (or n/no/off/false) on the kernel command line:
    /// the escape hatch, the last occurrence wins.
    pub fn disabled_by_cmdline(&self) -> Res<bool> {
        let s = read(&self.cmdline)?;
        let mut disabled = false;
        for w in s.split_whitespace() {
            if let Some(v) = w.strip_prefix("livepatch.enable=") {
                disabled = matches!(
                    v.to_ascii_lowercase().as_str(),
                    "0" | "n" | "no" | "off" | "false"
                );
            }
        }
        Ok(disabled)
    }

    pub fn release_dir(&self, release: &str) -> PathBuf {
        self.state_dir.join(release)
    }
}

pub fn read(p: &Path) -> Res<String> {
    fs::read_to_string(p)
        .map_err(|e| Fail::new(FAILED, format!("cannot read {}: {e}", p.display())))
}

pub fn malformed(p: &Path, content: &str) -> Fail {
    Fail::new(
        FAILED,
        format!(
            "malformed {}: '{}'",
            p.display(),
            content.trim_end().escape_debug()
        ),
    )
}

pub fn read_bool(p: &Path) -> Res<bool> {
    let s = read(p)?;
    match s.trim() {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(malformed(p, &s)),
    }
}

pub fn read_u32(p: &Path) -> Res<u32> {
    let s = read(p)?;
    s.trim().parse().map_err(|_| malformed(p, &s))
}

/// Writes a sysfs attribute, naming it and the kernel's answer on failure.
pub fn write_attr(p: &Path, value: &str) -> Res<()> {
    fs::write(p, format!("{value}\n")).map_err(|e| {
        let why = match e.raw_os_error() {
            Some(libc::EBUSY) => {
                "another patch is in transition (see `klpctl blocking`)".to_string()
            }
            Some(libc::EINVAL) => {
                "the runtime refused it (already in that state, or see dmesg)".to_string()
            }
            Some(libc::EPERM) | Some(libc::EACCES) => "permission denied (run as root)".to_string(),
            Some(libc::ENOENT) => "no such patch (it went away)".to_string(),
            _ => e.to_string(),
        };
        Fail::new(
            FAILED,
            format!("cannot write {value} to {}: {why}", p.display()),
        )
    })
}

#[derive(Debug, Clone)]
pub struct Func {
    pub name: String,
    pub sympos: u32,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub name: String,
    pub patched: bool,
    pub funcs: Vec<Func>,
}

#[derive(Debug, Clone)]
pub struct Patch {
    pub name: String,
    pub enabled: bool,
    pub transition: bool,
    pub replace: bool,
    pub stack_order: u32,
    /// None when the attribute is missing (not livepatch-rs's runtime).
    pub escalate: Option<bool>,
    pub objects: Vec<Object>,
}

fn subdirs(p: &Path) -> Res<Vec<String>> {
    let rd = fs::read_dir(p)
        .map_err(|e| Fail::new(FAILED, format!("cannot list {}: {e}", p.display())))?;
    let mut v: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    Ok(v)
}

impl Patch {
    pub fn read(env: &Env, name: &str) -> Res<Patch> {
        let d = env.patch_dir(name);
        let escalate_p = d.join("escalate");
        let mut objects = Vec::new();
        for o in subdirs(&d)? {
            let od = d.join(&o);
            let mut funcs = Vec::new();
            for f in subdirs(&od)? {
                let (fname, pos) = f.rsplit_once(',').ok_or_else(|| {
                    Fail::new(
                        FAILED,
                        format!(
                            "malformed function directory {} (not <function>,<sympos>)",
                            od.join(&f).display()
                        ),
                    )
                })?;
                let sympos = pos.parse().map_err(|_| {
                    Fail::new(
                        FAILED,
                        format!(
                            "malformed function directory {} (sympos not a number)",
                            od.join(&f).display()
                        ),
                    )
                })?;
                funcs.push(Func {
                    name: fname.to_string(),
                    sympos,
                });
            }
            objects.push(Object {
                name: o,
                patched: read_bool(&od.join("patched"))?,
                funcs,
            });
        }
        Ok(Patch {
            name: name.to_string(),
            enabled: read_bool(&d.join("enabled"))?,
            transition: read_bool(&d.join("transition"))?,
            replace: read_bool(&d.join("replace"))?,
            stack_order: read_u32(&d.join("stack_order"))?,
            escalate: if escalate_p.exists() {
                Some(read_bool(&escalate_p)?)
            } else {
                None
            },
            objects,
        })
    }

    /// Every patch in sysfs, in stack order.
    pub fn all(env: &Env) -> Res<Vec<Patch>> {
        if !env.runtime_loaded() {
            return Ok(Vec::new());
        }
        let mut v = subdirs(&env.livepatch_dir())?
            .iter()
            .map(|n| Patch::read(env, n))
            .collect::<Res<Vec<_>>>()?;
        v.sort_by_key(|p| p.stack_order);
        Ok(v)
    }

    pub fn to_json(&self, version: Option<String>) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "version": version,
            "enabled": self.enabled,
            "transition": self.transition,
            "replace": self.replace,
            "stack_order": self.stack_order,
            "escalate": self.escalate,
            "objects": self.objects.iter().map(|o| serde_json::json!({
                "name": o.name,
                "patched": o.patched,
                "functions": o.funcs.iter().map(|f| serde_json::json!({"name": f.name, "sympos": f.sympos})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub pid: u32,
    pub comm: String,
    /// running, unreliable-stack or sleeping-in
    pub reason: String,
    /// For sleeping-in: `function+off/size [module]`.
    pub location: Option<String>,
}

impl Task {
    pub fn line(&self) -> String {
        match &self.location {
            Some(l) => format!("{} {} {} {l}", self.pid, self.comm, self.reason),
            None => format!("{} {} {}", self.pid, self.comm, self.reason),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub patch: String,
    /// "patching" or "unpatching"
    pub mode: String,
    pub tasks: Vec<Task>,
}

impl Pending {
    /// The pending-task file; None when no transition is in progress (the
    /// file is empty) or the runtime is not loaded.
    pub fn read(env: &Env) -> Res<Option<Pending>> {
        let p = env.pending_file();
        if !p.exists() {
            return if env.runtime_loaded() {
                Err(Fail::new(
                    FAILED,
                    format!(
                        "{} missing (is debugfs mounted on /sys/kernel/debug?)",
                        p.display()
                    ),
                ))
            } else {
                Ok(None)
            };
        }
        Self::parse(&read(&p)?)
            .map_err(|e| Fail::new(FAILED, format!("malformed {}: {e}", p.display())))
    }

    pub fn parse(s: &str) -> Result<Option<Pending>, String> {
        let mut lines = s.lines();
        let Some(head) = lines.next() else {
            return Ok(None);
        };
        let bad_head = || format!("line 1 '{head}' is not '# <patch> patching|unpatching'");
        let mut w = head.strip_prefix("# ").ok_or_else(bad_head)?.split(' ');
        let (Some(patch), Some(mode), None) = (w.next(), w.next(), w.next()) else {
            return Err(bad_head());
        };
        if patch.is_empty() || !matches!(mode, "patching" | "unpatching") {
            return Err(bad_head());
        }
        let mut tasks = Vec::new();
        for (i, l) in lines.enumerate() {
            tasks.push(Self::parse_task(l).ok_or_else(|| {
                format!(
                    "line {} '{l}' is not '<pid> <comm> <reason>[ <where>]'",
                    i + 2
                )
            })?);
        }
        Ok(Some(Pending {
            patch: patch.into(),
            mode: mode.into(),
            tasks,
        }))
    }

    fn parse_task(l: &str) -> Option<Task> {
        let (pid, rest) = l.split_once(' ')?;
        let pid = pid.parse().ok()?;
        // comm may hold spaces: find the reason from the right.
        let (comm, reason, location) = if let Some((c, loc)) = rest.rsplit_once(" sleeping-in ") {
            if loc.is_empty() {
                return None;
            }
            (c, "sleeping-in", Some(loc.to_string()))
        } else if let Some(c) = rest.strip_suffix(" running") {
            (c, "running", None)
        } else if let Some(c) = rest.strip_suffix(" unreliable-stack") {
            (c, "unreliable-stack", None)
        } else {
            return None;
        };
        if comm.is_empty() {
            return None;
        }
        Some(Task {
            pid,
            comm: comm.into(),
            reason: reason.into(),
            location,
        })
    }

    pub fn to_json(&self, stacks: Option<&dyn Fn(u32) -> serde_json::Value>) -> serde_json::Value {
        serde_json::json!({
            "patch": self.patch,
            "mode": self.mode,
            "tasks": self.tasks.iter().map(|t| {
                let mut v = serde_json::json!({"pid": t.pid, "comm": t.comm, "reason": t.reason, "where": t.location});
                if let Some(f) = stacks { v["stack"] = f(t.pid); }
                v
            }).collect::<Vec<_>>(),
        })
    }
}

/// An installed patch file.
#[derive(Debug, Clone)]
pub struct Installed {
    pub release: String,
    pub file: PathBuf,
    /// Module name from modinfo, else the file name without `.ko`.
    pub name: String,
    pub info: Result<ModInfo, String>,
}

/// Installed patches, by release (sorted), each release's files sorted by
/// name (the order `load --all` loads them in).
pub fn installed(env: &Env) -> Res<Vec<Installed>> {
    let mut v = Vec::new();
    if !env.state_dir.exists() {
        return Ok(v);
    }
    for rel in subdirs(&env.state_dir)? {
        v.extend(installed_for(env, &rel)?);
    }
    Ok(v)
}

pub fn installed_for(env: &Env, release: &str) -> Res<Vec<Installed>> {
    let d = env.release_dir(release);
    let mut v = Vec::new();
    let Ok(rd) = fs::read_dir(&d) else {
        return Ok(v);
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ko"))
        .collect();
    files.sort();
    for file in files {
        let info = ModInfo::read(&file);
        let stem = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let name = info
            .as_ref()
            .ok()
            .and_then(|i| i.name())
            .map(str::to_string)
            .unwrap_or(stem);
        v.push(Installed {
            release: release.to_string(),
            file,
            name,
            info,
        });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_parses_every_reason() {
        let p = Pending::parse(
            "# p patching\n52 lprs_sleeper sleeping-in f+0x6b/0xb0 [m]\n53 a b running\n54 x unreliable-stack\n55 c sleeping-in g+0x1/0x2\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.patch, "p");
        assert_eq!(p.tasks.len(), 4);
        assert_eq!(p.tasks[0].location.as_deref(), Some("f+0x6b/0xb0 [m]"));
        assert_eq!(p.tasks[1].comm, "a b");
        assert_eq!(p.tasks[2].reason, "unreliable-stack");
        assert_eq!(p.tasks[3].line(), "55 c sleeping-in g+0x1/0x2");
        assert_eq!(Pending::parse("").unwrap(), None);
    }

    #[test]
    fn pending_refuses_malformed_lines() {
        assert!(Pending::parse("p patching\n")
            .unwrap_err()
            .contains("line 1"));
        assert!(Pending::parse("# p sideways\n")
            .unwrap_err()
            .contains("line 1"));
        assert!(Pending::parse("# p patching\nx cat running\n")
            .unwrap_err()
            .contains("line 2"));
        assert!(Pending::parse("# p patching\n1 cat dancing\n")
            .unwrap_err()
            .contains("line 2"));
        assert!(Pending::parse("# p patching\n1  running\n").is_err());
        assert!(Pending::parse("# p patching\n1 cat sleeping-in \n").is_err());
    }
}
