//! Similarity: grouping objects into types by appearance, so that what is learned about one
//! ladder holds for every ladder. An object joins the first known type whose prototype colour
//! histogram is within [`SAME_TYPE_L1`] (L1 distance) of its own; otherwise it founds a new type.
//! Types persist across re-segmentations of the scene (the registry keeps their prototypes), so
//! beliefs survive a scene that changes (an enemy removed, a key picked up).
//!
//! Lesion (`Lesion::similarity`): singleton types. Each object is its own type, keyed by where it
//! is and what it looks like, so nothing learned about one object transfers to another.

use crate::perception::objects::Object;

/// Largest L1 distance between colour histograms (each sums to 1) of one type.
pub const SAME_TYPE_L1: f32 = 0.35;

/// A type id.
pub type TypeId = usize;

/// A type's prototype histogram, the first cell of its one object under the lesion, and how
/// its texture runs (`Object::runs`).
type Prototype = (Vec<f32>, Option<(i32, i32)>, [bool; 2]);

/// Whether how a texture runs is part of a type's look (`TypeRegistry::type_of`); off only to
/// show what it fixes. keydoor / masked-affordances seed 1 (traced, not a blind test): a brick
/// patch of the free space, joined to a neighbour by a dark edge both share (so not a
/// patchwork tile), had the histogram of the brick floors; passing through it at tick 134
/// ruled "solid" out of the floors' type, and the floors became ladders in the model.
pub const RUNS_IN_TYPE: bool = true;

/// The known types.
#[derive(Debug, Clone, Default)]
pub struct TypeRegistry {
    prototypes: Vec<Prototype>,
    /// The type of patchwork tiles (`Object::mosaic`), once one is seen.
    mosaic: Option<TypeId>,
}

/// L1 distance between two colour histograms.
pub fn l1(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}

impl TypeRegistry {
    /// The type of `o`; `singletons` keys types by the object's first cell as well (the lesion).
    pub fn type_of(&mut self, o: &Object, singletons: bool) -> TypeId {
        let anchor = singletons.then(|| o.cells[0]);
        // Patchwork tiles are one kind, whatever each looks like (`objects::mosaic_tiles`).
        if o.mosaic && !singletons {
            if let Some(t) = self.mosaic {
                return t;
            }
            self.prototypes
                .push((o.hist.clone(), Some((i32::MIN, i32::MIN)), [false; 2]));
            let t = self.prototypes.len() - 1;
            self.mosaic = Some(t);
            return t;
        }
        let runs = if RUNS_IN_TYPE { o.runs } else { [false; 2] };
        if let Some(i) = self
            .prototypes
            .iter()
            .position(|(h, a, r)| *a == anchor && *r == runs && l1(h, &o.hist) <= SAME_TYPE_L1)
        {
            return i;
        }
        self.prototypes.push((o.hist.clone(), anchor, runs));
        self.prototypes.len() - 1
    }

    /// How many types are known.
    pub fn len(&self) -> usize {
        self.prototypes.len()
    }

    /// Whether no type is known.
    pub fn is_empty(&self) -> bool {
        self.prototypes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perception::grid::Grid;
    use crate::perception::objects::{segment, tests::scene_frame};

    #[test]
    fn alike_objects_share_a_type_unless_similarity_is_lesioned() {
        let mut f = scene_frame();
        // A second yellow block at (0, 0), unconnected to the first, with a dark dot: alike,
        // not identical.
        for y in 2..8 {
            for x in 2..8 {
                f.set_pixel(x, y, [240, 220, 0]);
            }
        }
        f.set_pixel(4, 4, [20, 20, 20]);
        let g = Grid {
            cell: 10,
            ox: 0,
            oy: 0,
            cols: 6,
            rows: 4,
        };
        let s = segment(&f, g, true);
        let (a, b) = (s.object_at(0, 0).unwrap(), s.object_at(5, 0).unwrap());
        let plat = s.object_at(0, 3).unwrap();
        let mut reg = TypeRegistry::default();
        let (ta, tb, tp) = (
            reg.type_of(&s.objects[a], false),
            reg.type_of(&s.objects[b], false),
            reg.type_of(&s.objects[plat], false),
        );
        assert_eq!(ta, tb);
        assert_ne!(ta, tp);
        let mut single = TypeRegistry::default();
        assert_ne!(
            single.type_of(&s.objects[a], true),
            single.type_of(&s.objects[b], true)
        );
        // Persistent: the same object again gets the same singleton type.
        assert_eq!(single.type_of(&s.objects[a], true), 0);
    }

    #[test]
    fn on_a_textured_scene_how_a_texture_runs_is_part_of_its_look() {
        use crate::perception::objects::tests::one_cell_object;
        let object = |runs: [bool; 2]| {
            let mut h = vec![0.0; crate::perception::objects::HIST_LEN];
            h[21] = 1.0;
            one_cell_object(h, runs, true)
        };
        // A floor (its bricks run on sideways) and a patch of the same colours that runs on only
        // into the patch below it (keydoor / masked-affordances): two types.
        let mut reg = TypeRegistry::default();
        let floor = reg.type_of(&object([true, false]), false);
        let patch = reg.type_of(&object([false, true]), false);
        assert_ne!(floor, patch);
        assert_eq!(reg.type_of(&object([true, false]), false), floor);
    }
}
