//! Searching stored text: the search terms are folded like the stored
//! search text (`noaber_migrations::search`), and `LIKE`'s own wildcards in
//! what someone typed (`%`, `_`, `\`) are matched as themselves.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, IdenStatic};

pub use noaber_migrations::search::fold;

/// `column LIKE '%needle%'`, with the needle's wildcards escaped.
pub fn contains<C: ColumnTrait + IdenStatic>(column: C, needle: &str) -> Expr {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::col(column).like(LikeExpr::new(pattern).escape('\\'))
}
