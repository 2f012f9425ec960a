//! Rewriting a binary chunk for a target whose `size_t` differs from the build machine's.
//!
//! A Lua 5.3 binary chunk records `sizeof(size_t)` in its header and writes the length of
//! each string of 254 bytes or more as a `size_t`; the build machine's is 8 bytes and
//! wasm32's is 4, so for a 32-bit target the chunk is rewritten ([`resize`]) by walking its
//! documented layout:
//!
//! ```text
//! header:   "\x1bLua" 0x53 0x00 "\x19\x93\r\n\x1a\n" sizeof(int) sizeof(size_t)
//!           sizeof(Instruction) sizeof(lua_Integer) sizeof(lua_Number) 0x5678 370.5
//!           (then one byte: the main function's upvalue count)
//! function: source:string line:int lastline:int params:u8 vararg:u8 maxstack:u8
//!           code:int*Instruction  constants:int*(tag:u8 value)  upvalues:int*(u8 u8)
//!           protos:int*function  lineinfo:int*int  locals:int*(string int int)
//!           upvalue names:int*string
//! string:   u8 size+1 (0: none), or 0xFF and a size_t; then size bytes
//! ```

/// The header up to the sizes: signature, version 5.3, official format, LUAC_DATA.
const HEADER: &[u8] = b"\x1bLua\x53\x00\x19\x93\r\n\x1a\n";

struct Walk<'a> {
    input: &'a [u8],
    at: usize,
    out: Vec<u8>,
    int: usize,
    size_t: usize,
    target_size_t: usize,
}

impl Walk<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.input.len());
        let Some(end) = end else {
            return Err(format!("ends early (at byte {})", self.at));
        };
        let bytes = &self.input[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    fn copy(&mut self, n: usize) -> Result<(), String> {
        let bytes = self.take(n)?.to_vec();
        self.out.extend_from_slice(&bytes);
        Ok(())
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = self.take(1)?[0];
        self.out.push(b);
        Ok(b)
    }

    /// An `int` (little-endian), copied; returned as a count.
    fn count(&mut self) -> Result<usize, String> {
        let bytes = self.take(self.int)?.to_vec();
        self.out.extend_from_slice(&bytes);
        let mut n: u64 = 0;
        for (i, b) in bytes.iter().enumerate() {
            n |= u64::from(*b) << (8 * i);
        }
        usize::try_from(n).map_err(|_| "a count does not fit".to_owned())
    }

    fn string(&mut self) -> Result<(), String> {
        let first = self.take(1)?[0];
        self.out.push(first);
        let size = if first == 0xFF {
            let bytes = self.take(self.size_t)?.to_vec();
            let mut n: u64 = 0;
            for (i, b) in bytes.iter().enumerate() {
                n |= u64::from(*b) << (8 * i);
            }
            let wide = n.to_le_bytes();
            if wide[self.target_size_t..].iter().any(|&b| b != 0) {
                return Err("a string is too long for the target".into());
            }
            self.out.extend_from_slice(&wide[..self.target_size_t]);
            usize::try_from(n).map_err(|_| "a string length does not fit".to_owned())?
        } else {
            usize::from(first)
        };
        if size > 0 {
            self.copy(size - 1)?;
        }
        Ok(())
    }

    fn function(&mut self) -> Result<(), String> {
        self.string()?; // source
        self.copy(2 * self.int)?; // linedefined, lastlinedefined
        self.copy(3)?; // numparams, is_vararg, maxstacksize
        let code = self.count()?;
        self.copy(code * 4)?;
        for _ in 0..self.count()? {
            match self.byte()? {
                0 => {}                   // nil
                1 => self.copy(1)?,       // boolean
                3 | 19 => self.copy(8)?,  // float, integer
                4 | 20 => self.string()?, // short, long string
                tag => return Err(format!("unknown constant tag {tag}")),
            }
        }
        let upvalues = self.count()?;
        self.copy(upvalues * 2)?;
        for _ in 0..self.count()? {
            self.function()?;
        }
        let lines = self.count()?;
        self.copy(lines * self.int)?;
        for _ in 0..self.count()? {
            self.string()?;
            self.copy(2 * self.int)?;
        }
        for _ in 0..self.count()? {
            self.string()?;
        }
        Ok(())
    }
}

/// `chunk` (a Lua 5.3 binary chunk from a little-endian machine) with `size_t` fields of
/// `target_size_t` bytes.
pub(crate) fn resize(chunk: &[u8], target_size_t: usize) -> Result<Vec<u8>, String> {
    if !chunk.starts_with(HEADER) || chunk.len() < HEADER.len() + 5 + 16 + 1 {
        return Err("not a Lua 5.3 binary chunk".into());
    }
    let sizes = &chunk[HEADER.len()..HEADER.len() + 5];
    let (int, size_t, instruction, integer, number) = (
        usize::from(sizes[0]),
        usize::from(sizes[1]),
        sizes[2],
        sizes[3],
        sizes[4],
    );
    if instruction != 4 || integer != 8 || number != 8 || !(1..=8).contains(&int) {
        return Err(format!("unexpected sizes {sizes:?}"));
    }
    if !(1..=8).contains(&size_t) || !(1..=8).contains(&target_size_t) {
        return Err(format!(
            "unexpected size_t of {size_t} or {target_size_t} bytes"
        ));
    }
    // LUAC_INT (0x5678) as written on this machine: little-endian only.
    let luac_int = &chunk[HEADER.len() + 5..HEADER.len() + 13];
    if luac_int[0] != 0x78 || luac_int[1] != 0x56 {
        return Err("the chunk is not little-endian".into());
    }
    let mut walk = Walk {
        input: chunk,
        at: 0,
        out: Vec::with_capacity(chunk.len()),
        int,
        size_t,
        target_size_t,
    };
    walk.copy(HEADER.len())?;
    walk.copy(1)?; // sizeof(int)
    walk.take(1)?;
    walk.out.push(target_size_t as u8);
    walk.copy(3 + 16 + 1)?; // the other sizes, LUAC_INT, LUAC_NUM, upvalue count
    walk.function()?;
    if walk.at != chunk.len() {
        return Err(format!(
            "{} bytes left after the main function",
            chunk.len() - walk.at
        ));
    }
    Ok(walk.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk by hand: the header for a machine with `size_t` bytes, a main function
    /// with one long string constant (300 bytes) and a short one.
    fn chunk(size_t: usize) -> Vec<u8> {
        let int = |n: u32| n.to_le_bytes().to_vec();
        let mut c = HEADER.to_vec();
        c.extend([4, size_t as u8, 4, 8, 8]);
        c.extend(0x5678i64.to_le_bytes());
        c.extend(370.5f64.to_le_bytes());
        c.push(1); // upvalues of main
        c.extend([6]); // source "=main" (5 bytes + 1)
        c.extend(b"=main");
        c.extend(int(0));
        c.extend(int(0));
        c.extend([0, 1, 2]);
        c.extend(int(1)); // one instruction
        c.extend(int(0x0080_0026)); // RETURN
        c.extend(int(2)); // two constants
        c.push(20); // long string
        c.push(0xFF);
        c.extend(&301u64.to_le_bytes()[..size_t]);
        c.extend([b'x'; 300]);
        c.push(4); // short string
        c.push(3);
        c.extend(b"ab");
        c.extend(int(1)); // one upvalue
        c.extend([1, 0]);
        c.extend(int(0)); // no protos
        c.extend(int(1)); // line info
        c.extend(int(1));
        c.extend(int(0)); // no locals
        c.extend(int(1)); // upvalue names
        c.extend([5]);
        c.extend(b"_ENV");
        c
    }

    #[test]
    fn a_chunk_is_rewritten_for_a_4_byte_size_t_and_back() {
        let wide = chunk(8);
        let narrow = resize(&wide, 4).unwrap();
        assert_eq!(narrow, chunk(4));
        assert_eq!(narrow.len(), wide.len() - 4);
        assert_eq!(resize(&narrow, 8).unwrap(), wide);
        assert_eq!(resize(&wide, 8).unwrap(), wide);
    }

    #[test]
    fn what_is_not_a_whole_chunk_is_refused() {
        let wide = chunk(8);
        assert!(resize(&wide[..wide.len() - 1], 4).is_err());
        let mut longer = wide.clone();
        longer.push(0);
        assert!(resize(&longer, 4).is_err());
        assert!(resize(b"local x = 1", 4).is_err());
    }
}
