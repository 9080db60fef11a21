//! Inserting and removing modules, and waiting for transitions.

use crate::exit::{Fail, Res, FAILED};
use crate::state::{read_bool, Env, Pending, Task};
use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run_program(prog: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(prog)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {prog}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    Err(if err.is_empty() {
        format!("{prog} failed ({})", out.status)
    } else {
        err
    })
}

/// Inserts a module file with `params` (finit_module).
pub fn insert(env: &Env, file: &Path, params: &str) -> Result<(), String> {
    if let Some(prog) = &env.insmod {
        return run_program(prog, &[&file.to_string_lossy(), params]);
    }
    let f =
        std::fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let params =
        CString::new(params).map_err(|_| "module parameters contain a NUL byte".to_string())?;
    // SAFETY: finit_module reads the fd and the NUL-terminated string.
    let r = unsafe { libc::syscall(libc::SYS_finit_module, f.as_raw_fd(), params.as_ptr(), 0) };
    if r == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    Err(match e.raw_os_error() {
        Some(libc::EEXIST) => "a module of that name is already loaded".into(),
        Some(libc::ENOEXEC) => {
            "the kernel refused the module format (vermagic, symbol versions or ELF mismatch; see dmesg)".into()
        }
        Some(libc::ENOENT) => "unknown symbol or missing dependency (see dmesg)".into(),
        Some(libc::EBUSY) => "busy: another patch is in transition (see `klpctl blocking`)".into(),
        Some(libc::EPERM) => "operation not permitted (root needed; or an unsigned module on a kernel that \
                              requires signatures; or kernel.modules_disabled=1)"
            .into(),
        Some(libc::EKEYREJECTED) => "the module's signature was rejected".into(),
        Some(libc::EINVAL) => "invalid module, or the patch refused to enable (see dmesg)".into(),
        _ => format!("{e} (see dmesg)"),
    })
}

/// Removes a loaded module; retries a few seconds while it is still in use
/// (a disabled patch drops its module reference asynchronously).
pub fn remove(env: &Env, name: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (busy, err) = match remove_once(env, name) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if !busy || Instant::now() > deadline {
            return Err(err);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn remove_once(env: &Env, name: &str) -> Result<(), (bool, String)> {
    if let Some(prog) = &env.rmmod {
        return run_program(prog, &[name]).map_err(|e| (false, e));
    }
    let c = CString::new(name).map_err(|_| (false, "bad module name".to_string()))?;
    // SAFETY: delete_module reads the NUL-terminated name.
    let r = unsafe { libc::syscall(libc::SYS_delete_module, c.as_ptr(), libc::O_NONBLOCK) };
    if r == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    Err(match e.raw_os_error() {
        Some(libc::EBUSY) | Some(libc::EAGAIN) => (true, "the module is in use".into()),
        Some(libc::ENOENT) => (false, "no such module loaded".into()),
        Some(libc::EPERM) => (false, "operation not permitted (root needed)".into()),
        _ => (false, e.to_string()),
    })
}

pub enum Wait {
    Done,
    /// The patch's sysfs directory went away while waiting for it to be idle.
    Vanished,
    /// Timed out; the last non-empty pending-task list seen for this patch.
    Stalled(Vec<Task>),
}

#[derive(Clone, Copy, PartialEq)]
pub enum Until {
    /// `transition` reads 0.
    Idle,
    /// The patch's directory is gone (unpatching finished).
    Gone,
}

/// Waits for the patch's transition, printing the pending tasks (and why)
/// each time they change.
pub fn wait(env: &Env, name: &str, until: Until, timeout: Duration) -> Res<Wait> {
    let start = Instant::now();
    let dir = env.patch_dir(name);
    let mut shown: Vec<Task> = Vec::new();
    loop {
        if !dir.exists() {
            return Ok(if until == Until::Gone {
                Wait::Done
            } else {
                Wait::Vanished
            });
        }
        if until == Until::Idle {
            match read_bool(&dir.join("transition")) {
                Ok(false) => return Ok(Wait::Done),
                Ok(true) => {}
                Err(_) if !dir.exists() => continue,
                Err(e) => return Err(e),
            }
        }
        let tasks = match Pending::read(env) {
            Ok(Some(p)) if p.patch == name => p.tasks,
            _ => Vec::new(),
        };
        if !tasks.is_empty() && shown != tasks {
            let mode = if until == Until::Idle {
                "patching"
            } else {
                "unpatching"
            };
            println!(
                "  {name}: {mode}, {} task(s) pending after {}s:",
                tasks.len(),
                start.elapsed().as_secs()
            );
            for t in &tasks {
                println!("    {}", t.line());
            }
            shown = tasks;
        }
        if start.elapsed() >= timeout {
            return Ok(Wait::Stalled(shown));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The lines of /proc/<pid>/stack, or why not.
pub fn stack(env: &Env, pid: u32) -> Result<Vec<String>, String> {
    let p = env.path(&format!("proc/{pid}/stack"));
    std::fs::read_to_string(&p)
        .map(|s| s.lines().map(str::to_string).collect())
        .map_err(|e| format!("cannot read {}: {e}", p.display()))
}

/// "pid comm reason where" lines with their kernel stacks, indented.
pub fn report_tasks(env: &Env, tasks: &[Task]) -> String {
    if tasks.is_empty() {
        return "  (no pending task was listed)".into();
    }
    let mut s = String::new();
    for t in tasks {
        s += &format!("  {}\n", t.line());
        match stack(env, t.pid) {
            Ok(lines) => lines.iter().for_each(|l| s += &format!("      {l}\n")),
            Err(e) => s += &format!("      ({e})\n"),
        }
    }
    s.trim_end().to_string()
}

pub fn fail_remove(name: &str, why: String) -> Fail {
    Fail::new(FAILED, format!("cannot remove module {name}: {why}"))
}
