//! `#[derive(Terms)]` for the model's role states: `map_terms` rebuilds the value with every
//! symbolic term mapped (symmetry reduction renames the fresh values of interchangeable
//! sessions), `hash_shape` hashes it with every term by its shape (fresh values of all
//! sessions alike), so that interchangeable sessions can be put in a canonical order.
//! Every field's type must implement `model::term::Terms`; type parameters get the bound.
//!
//! `#[derive(MapValues)]` for configurations and messages generic over their value type:
//! `try_map` rebuilds one with every value mapped (see the derive's doc).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_macro_input, parse_quote, Data, DeriveInput, Fields};

#[proc_macro_derive(Terms)]
pub fn derive_terms(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let mut generics = input.generics.clone();
    for tp in generics.type_params_mut() {
        tp.bounds.push(parse_quote!(::model::term::Terms));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let (map, shape) = match &input.data {
        Data::Struct(s) => {
            let (pattern, map, shape) = fields(quote!(#name), &s.fields);
            (
                quote! { let #pattern = self; #map },
                quote! { let #pattern = self; #shape },
            )
        }
        Data::Enum(e) => {
            let mut maps = Vec::new();
            let mut shapes = Vec::new();
            for (i, v) in e.variants.iter().enumerate() {
                let ident = &v.ident;
                let (pattern, map, shape) = fields(quote!(#name::#ident), &v.fields);
                let i = i as u32;
                maps.push(quote! { #pattern => #map, });
                shapes.push(quote! { #pattern => { h.write_u32(#i); #shape } });
            }
            (
                quote! { match self { #(#maps)* } },
                quote! { match self { #(#shapes)* } },
            )
        }
        Data::Union(_) => {
            return syn::Error::new_spanned(name, "Terms cannot be derived for a union")
                .to_compile_error()
                .into()
        }
    };
    quote! {
        impl #impl_generics ::model::term::Terms for #name #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn map_terms(&self, f: &mut dyn FnMut(::model::term::TermId) -> ::model::term::TermId) -> Self {
                #map
            }
            #[allow(unused_variables)]
            fn hash_shape(&self, h: &mut dyn ::std::hash::Hasher) {
                #shape
            }
        }
    }
    .into()
}

/// The pattern binding a struct's or variant's fields, the expression rebuilding it with
/// mapped fields, and the statements hashing their shapes.
fn fields(path: TokenStream, fields: &Fields) -> (TokenStream, TokenStream, TokenStream) {
    match fields {
        Fields::Named(named) => {
            let names: Vec<_> = named.named.iter().map(|f| f.ident.clone()).collect();
            (
                quote! { #path { #(#names),* } },
                quote! { #path { #(#names: ::model::term::Terms::map_terms(#names, f)),* } },
                quote! { #(::model::term::Terms::hash_shape(#names, h);)* },
            )
        }
        Fields::Unnamed(unnamed) => {
            let names: Vec<_> = (0..unnamed.unnamed.len())
                .map(|i| format_ident!("x{}", i))
                .collect();
            (
                quote! { #path ( #(#names),* ) },
                quote! { #path ( #(::model::term::Terms::map_terms(#names, f)),* ) },
                quote! { #(::model::term::Terms::hash_shape(#names, h);)* },
            )
        }
        Fields::Unit => (path.clone(), path, quote! {}),
    }
}

/// `#[derive(MapValues)]` for a configuration or message generic over its value type `V`
/// (symbolic terms in the model, bytes on the reference): an inherent
/// `try_map(&self, f) -> Result<Self<W>, E>` that rebuilds it with every `V` mapped by `f`,
/// through `Option`, `Vec`, `Box`, tuples and fields whose own type has a `try_map`;
/// fields that hold no `V` are cloned. The reference evaluates a scenario's terms to bytes
/// with it.
#[proc_macro_derive(MapValues)]
pub fn derive_map_values(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let Some(v) = input.generics.type_params().next().map(|t| t.ident.clone()) else {
        return syn::Error::new_spanned(name, "MapValues needs a value type parameter")
            .to_compile_error()
            .into();
    };
    let body = match &input.data {
        Data::Struct(s) => {
            let (pattern, rebuilt) = mapped(quote!(#name), &s.fields, &v);
            quote! { let #pattern = self; Ok(#rebuilt) }
        }
        Data::Enum(e) => {
            let arms = e.variants.iter().map(|variant| {
                let ident = &variant.ident;
                let (pattern, rebuilt) = mapped(quote!(#name::#ident), &variant.fields, &v);
                quote! { #pattern => #rebuilt, }
            });
            quote! { Ok(match self { #(#arms)* }) }
        }
        Data::Union(_) => {
            return syn::Error::new_spanned(name, "MapValues cannot be derived for a union")
                .to_compile_error()
                .into()
        }
    };
    quote! {
        impl<#v> #name<#v> {
            /// The same value with every value mapped by `f`, in field order.
            #[allow(unused_variables, clippy::needless_question_mark)]
            pub fn try_map<W, E>(
                &self,
                f: &mut impl FnMut(&#v) -> ::std::result::Result<W, E>,
            ) -> ::std::result::Result<#name<W>, E> {
                #body
            }
        }
    }
    .into()
}

/// The pattern binding a struct's or variant's fields, and the expression rebuilding it
/// with each field mapped.
fn mapped(path: TokenStream, fields: &Fields, v: &syn::Ident) -> (TokenStream, TokenStream) {
    match fields {
        Fields::Named(named) => {
            let names: Vec<_> = named.named.iter().map(|f| f.ident.clone()).collect();
            let values = named
                .named
                .iter()
                .zip(&names)
                .map(|(f, n)| map(&f.ty, quote!(#n), v));
            (
                quote! { #path { #(#names),* } },
                quote! { #path { #(#names: #values),* } },
            )
        }
        Fields::Unnamed(unnamed) => {
            let names: Vec<_> = (0..unnamed.unnamed.len())
                .map(|i| format_ident!("x{}", i))
                .collect();
            let values = unnamed
                .unnamed
                .iter()
                .zip(&names)
                .map(|(f, n)| map(&f.ty, quote!(#n), v));
            (
                quote! { #path ( #(#names),* ) },
                quote! { #path ( #(#values),* ) },
            )
        }
        Fields::Unit => (path.clone(), path),
    }
}

/// The expression mapping `e` (a reference to a value of type `ty`).
fn map(ty: &syn::Type, e: TokenStream, v: &syn::Ident) -> TokenStream {
    if !mentions(ty, v) {
        return quote! { ::std::clone::Clone::clone(#e) };
    }
    match ty {
        syn::Type::Path(p) if p.path.is_ident(v) => quote! { f(#e)? },
        syn::Type::Path(p) => {
            let last = p.path.segments.last().expect("a path has a segment");
            let inner = match &last.arguments {
                syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                }),
                _ => None,
            };
            match (last.ident.to_string().as_str(), inner) {
                ("Option", Some(t)) => {
                    let m = map(t, quote!(x), v);
                    quote! { match #e { Some(x) => Some(#m), None => None } }
                }
                ("Vec", Some(t)) => {
                    let m = map(t, quote!(x), v);
                    quote! {
                        #e.iter()
                            .map(|x| Ok::<_, E>(#m))
                            .collect::<::std::result::Result<_, E>>()?
                    }
                }
                ("Box", Some(t)) => {
                    let m = map(t, quote!((&**#e)), v);
                    quote! { Box::new(#m) }
                }
                _ => quote! { #e.try_map(&mut *f)? },
            }
        }
        syn::Type::Tuple(t) => {
            let names: Vec<_> = (0..t.elems.len())
                .map(|i| format_ident!("t{}", i))
                .collect();
            let values = t
                .elems
                .iter()
                .zip(&names)
                .map(|(ty, n)| map(ty, quote!(#n), v));
            quote! { { let (#(#names),*) = #e; (#(#values),*) } }
        }
        _ => syn::Error::new_spanned(
            ty,
            "MapValues maps V, Option, Vec, Box, tuples and types with a try_map",
        )
        .to_compile_error(),
    }
}

/// Does `ty` name the type parameter `v`?
fn mentions(ty: &syn::Type, v: &syn::Ident) -> bool {
    quote!(#ty).into_iter().any(|t| mentions_token(&t, v))
}

fn mentions_token(t: &proc_macro2::TokenTree, v: &syn::Ident) -> bool {
    match t {
        proc_macro2::TokenTree::Ident(i) => i == v,
        proc_macro2::TokenTree::Group(g) => g.stream().into_iter().any(|t| mentions_token(&t, v)),
        _ => false,
    }
}

/// `#[derive(Tagged)]` for a symbolic message enum whose every variant is a tagged tuple of
/// its fields: `#[tag(NAME)]` on each variant names the constant that heads it. It writes,
/// for `Self<TermId>`, `to_term` (the tuple: the tag, then the fields in order, an absent
/// `Option` as the constant `none`), `from_term` (the message a term is, if any) and
/// `TAGS` (each tag with its number of fields, for charts). Fields are `V` or `Option<V>`.
#[proc_macro_derive(Tagged, attributes(tag))]
pub fn derive_tagged(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let Data::Enum(e) = &input.data else {
        return syn::Error::new_spanned(name, "Tagged is derived for message enums")
            .to_compile_error()
            .into();
    };
    let Some(v) = input.generics.type_params().next().map(|t| t.ident.clone()) else {
        return syn::Error::new_spanned(name, "Tagged needs a value type parameter")
            .to_compile_error()
            .into();
    };
    let (mut encode, mut decode, mut tags) = (Vec::new(), Vec::new(), Vec::new());
    for variant in &e.variants {
        let ident = &variant.ident;
        let tag = match variant.attrs.iter().find(|a| a.path().is_ident("tag")) {
            Some(a) => match a.parse_args::<syn::Path>() {
                Ok(p) => p,
                Err(e) => return e.to_compile_error().into(),
            },
            None => {
                return syn::Error::new_spanned(ident, "a variant without #[tag(NAME)]")
                    .to_compile_error()
                    .into()
            }
        };
        let Fields::Named(named) = &variant.fields else {
            return syn::Error::new_spanned(ident, "Tagged variants have named fields")
                .to_compile_error()
                .into();
        };
        let names: Vec<_> = named.named.iter().map(|f| f.ident.clone()).collect();
        let mut put = Vec::new();
        let mut get = Vec::new();
        for (i, f) in named.named.iter().enumerate() {
            let n = &names[i];
            let optional = match &f.ty {
                syn::Type::Path(p) if p.path.is_ident(&v) => false,
                syn::Type::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "Option") =>
                {
                    true
                }
                other => {
                    return syn::Error::new_spanned(other, "Tagged fields are V or Option<V>")
                        .to_compile_error()
                        .into()
                }
            };
            if optional {
                put.push(quote! { ::model::term::optional(*#n) });
                get.push(quote! { #n: ::model::term::present(f[#i]) });
            } else {
                put.push(quote! { *#n });
                get.push(quote! { #n: f[#i] });
            }
        }
        let arity = names.len();
        encode.push(quote! {
            #name::#ident { #(#names),* } => ::model::term::tuple(&[
                ::model::term::constant(#tag), #(#put),*
            ]),
        });
        decode.push(quote! {
            if let Some(f) = ::model::term::tagged(v, #tag, #arity) {
                return Some(#name::#ident { #(#get),* });
            }
        });
        tags.push(quote! { (#tag, #arity) });
    }
    quote! {
        impl #name<::model::term::TermId> {
            /// Each message's tag and number of fields.
            pub const TAGS: &'static [(&'static str, usize)] = &[#(#tags),*];

            /// The message as a tagged tuple.
            pub fn to_term(&self) -> ::model::term::TermId {
                match self { #(#encode)* }
            }

            /// The message term `v` is, if it is one.
            #[allow(unused_variables)]
            pub fn from_term(v: ::model::term::TermId) -> Option<Self> {
                #(#decode)*
                None
            }
        }
    }
    .into()
}
