//! `#[derive(Terms)]` for the model's role states: `map_terms` rebuilds the value with every
//! symbolic term mapped (symmetry reduction renames the fresh values of interchangeable
//! sessions), `hash_shape` hashes it with every term by its shape (fresh values of all
//! sessions alike), so that interchangeable sessions can be put in a canonical order.
//! Every field's type must implement `model::term::Terms`; type parameters get the bound.

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
