//! The `.modinfo` section of a kernel module file (what `modinfo` shows),
//! read straight from the ELF file so klpctl needs no module tools.

use std::path::Path;

/// The `key=value` strings of a module's `.modinfo`, in file order (keys may
/// repeat, e.g. `alias`).
#[derive(Debug, Clone, Default)]
pub struct ModInfo {
    pub fields: Vec<(String, String)>,
}

impl ModInfo {
    pub fn read(path: &Path) -> Result<ModInfo, String> {
        let data =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&data).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses an ELF64 little-endian relocatable file (x86_64 modules).
    pub fn parse(data: &[u8]) -> Result<ModInfo, String> {
        if data.len() < 4 || &data[..4] != b"\x7fELF" {
            if data.starts_with(b"\xfd7zXZ")
                || data.starts_with(b"\x28\xb5\x2f\xfd")
                || data.starts_with(b"\x1f\x8b")
            {
                return Err("compressed module (xz/zstd/gzip): decompress it first".into());
            }
            return Err("not a kernel module (not an ELF file)".into());
        }
        if data.len() < 64 || data[4] != 2 || data[5] != 1 {
            return Err(
                "not a kernel module for this machine (not 64-bit little-endian ELF)".into(),
            );
        }
        let bad = || "not a kernel module (truncated or corrupt ELF section table)".to_string();
        let u16_at = |o: usize| {
            data.get(o..o + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
        };
        let u32_at = |o: usize| {
            data.get(o..o + 4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize)
        };
        let u64_at = |o: usize| {
            data.get(o..o + 8)
                .and_then(|b| usize::try_from(u64::from_le_bytes(b.try_into().unwrap())).ok())
        };
        let shoff = u64_at(0x28).ok_or_else(bad)?;
        let shentsize = u16_at(0x3a).ok_or_else(bad)?;
        let shnum = u16_at(0x3c).ok_or_else(bad)?;
        let shstrndx = u16_at(0x3e).ok_or_else(bad)?;
        if shentsize < 0x40 || shstrndx >= shnum {
            return Err(bad());
        }
        let section = |i: usize| -> Option<(usize, &[u8])> {
            let h = shoff.checked_add(i.checked_mul(shentsize)?)?;
            let name = u32_at(h)?;
            let off = u64_at(h + 0x18)?;
            let size = u64_at(h + 0x20)?;
            Some((name, data.get(off..off.checked_add(size)?)?))
        };
        let (_, strtab) = section(shstrndx).ok_or_else(bad)?;
        for i in 0..shnum {
            let (name, body) = section(i).ok_or_else(bad)?;
            let Some(rest) = strtab.get(name..) else {
                return Err(bad());
            };
            let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
            if &rest[..end] != b".modinfo" {
                continue;
            }
            let mut fields = Vec::new();
            for s in body.split(|&c| c == 0).filter(|s| !s.is_empty()) {
                let s = String::from_utf8_lossy(s);
                match s.split_once('=') {
                    Some((k, v)) => fields.push((k.to_string(), v.to_string())),
                    None => return Err(format!("malformed .modinfo entry '{s}'")),
                }
            }
            return Ok(ModInfo { fields });
        }
        Err("not a kernel module (no .modinfo section)".into())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The module name (`name=`, added by modpost).
    pub fn name(&self) -> Option<&str> {
        self.get("name").filter(|n| !n.is_empty())
    }

    /// The kernel release the module was built for: vermagic's first word.
    pub fn release(&self) -> Option<&str> {
        self.get("vermagic")
            .and_then(|v| v.split_whitespace().next())
    }

    pub fn is_livepatch_rs(&self) -> bool {
        self.get("livepatch_rs") == Some("Y")
    }

    /// Fields as a JSON object; repeated keys become arrays.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.fields {
            match m.get_mut(k) {
                None => {
                    m.insert(k.clone(), v.clone().into());
                }
                Some(serde_json::Value::Array(a)) => a.push(v.clone().into()),
                Some(old) => *old = serde_json::Value::Array(vec![old.take(), v.clone().into()]),
            }
        }
        m.into()
    }
}

/// A minimal ELF64 relocatable file with a `.modinfo` section holding
/// `fields` — what tests need of a module file.
pub fn fake_module(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut modinfo = Vec::new();
    for (k, v) in fields {
        modinfo.extend_from_slice(format!("{k}={v}\0").as_bytes());
    }
    let shstrtab = b"\0.modinfo\0.shstrtab\0";
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 2; // 64-bit
    out[5] = 1; // little-endian
    out[6] = 1;
    out[16] = 1; // ET_REL
    out[18] = 62; // x86_64
    let modinfo_off = out.len();
    out.extend_from_slice(&modinfo);
    let strtab_off = out.len();
    out.extend_from_slice(shstrtab);
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let shoff = out.len();
    let mut sh = |name: u32, typ: u32, off: usize, size: usize| {
        let mut h = [0u8; 64];
        h[0..4].copy_from_slice(&name.to_le_bytes());
        h[4..8].copy_from_slice(&typ.to_le_bytes());
        h[0x18..0x20].copy_from_slice(&(off as u64).to_le_bytes());
        h[0x20..0x28].copy_from_slice(&(size as u64).to_le_bytes());
        out.extend_from_slice(&h);
    };
    sh(0, 0, 0, 0);
    sh(1, 1, modinfo_off, modinfo.len());
    sh(10, 3, strtab_off, shstrtab.len());
    out[0x28..0x30].copy_from_slice(&(shoff as u64).to_le_bytes());
    out[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
    out[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
    out[0x3e..0x40].copy_from_slice(&2u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_of_a_module() {
        let m = ModInfo::parse(&fake_module(&[
            ("name", "p"),
            ("vermagic", "7.2.13-lprs SMP preempt mod_unload "),
            ("livepatch_rs", "Y"),
            ("cve", "CVE-1"),
            ("cve", "CVE-2"),
        ]))
        .unwrap();
        assert_eq!(m.name(), Some("p"));
        assert_eq!(m.release(), Some("7.2.13-lprs"));
        assert!(m.is_livepatch_rs());
        assert_eq!(m.to_json()["cve"], serde_json::json!(["CVE-1", "CVE-2"]));
    }

    #[test]
    fn refuses_what_is_not_a_module() {
        assert!(ModInfo::parse(b"hello").unwrap_err().contains("not an ELF"));
        assert!(ModInfo::parse(b"\xfd7zXZ\0\0")
            .unwrap_err()
            .contains("compressed"));
        let mut m = fake_module(&[("name", "p")]);
        m.truncate(100);
        assert!(ModInfo::parse(&m).unwrap_err().contains("corrupt"));
        let mut m = fake_module(&[("name", "p")]);
        let i = m.windows(8).position(|w| w == b".modinfo").unwrap();
        m[i + 1] = b'X';
        assert!(ModInfo::parse(&m).unwrap_err().contains("no .modinfo"));
        assert!(ModInfo::parse(&fake_module(&[("novalue", "")])).is_ok());
    }
}
